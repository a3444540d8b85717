"""Depth and consumers of every hub queue, read from the broker when Prometheus scrapes.

Queue sizes belong to the broker, not to any one hub process, so they are not recorded in the
processes' metric files but asked for at scrape time: one passive declare per queue of the
topology, on a connection kept between scrapes. A broker that cannot be reached leaves these
gauges out of that scrape (Prometheus then shows them stale) rather than failing the others;
the embedded broker keeps no consumer counts, so ``hub_queue_consumers`` is only exported for
RabbitMQ.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hub.runtime.broker import KeptSession
from hub.runtime.declarations import Topology
from monitor.metric_catalogue import BY_NAME

log = logging.getLogger(__name__)

_DEPTH = BY_NAME["hub_queue_messages"]
_CONSUMERS = BY_NAME["hub_queue_consumers"]


class QueueCollector(Collector):
    """A prometheus-client collector of ``hub_queue_messages`` and ``hub_queue_consumers``."""

    def __init__(self, broker_url: str, topology: Topology, *, embedded: bool) -> None:
        self._queues = topology.queue_names()
        self._embedded = embedded
        self._lock = threading.Lock()
        self._session = KeptSession(broker_url, topology)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            stats = self._read()
        if stats is None:
            return
        depth = GaugeMetricFamily(_DEPTH.name, _DEPTH.help, labels=_DEPTH.labels)
        consumers = GaugeMetricFamily(_CONSUMERS.name, _CONSUMERS.help, labels=_CONSUMERS.labels)
        for queue, (messages, attached) in stats.items():
            depth.add_metric([queue], messages)
            consumers.add_metric([queue], attached)
        yield depth
        if not self._embedded:
            yield consumers

    def close(self) -> None:
        with self._lock:
            self._session.drop()

    def _read(self) -> dict[str, tuple[int, int]] | None:
        # One reconnect per scrape: the kept connection may have died since the last one.
        for attempt in (1, 2):
            try:
                session = self._session.get()
                return {name: session.queue_stats(name) for name in self._queues}
            except Exception as e:  # noqa: BLE001 - broker, socket and transport errors alike
                failure = e
            self._session.drop()
            if attempt == 2:
                log.warning("queue metrics left out of this scrape: %s", failure)
        return None
