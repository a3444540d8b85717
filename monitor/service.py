"""Monitoring for one ``hub run`` process: metric hooks, the sampler, the endpoint.

Call :func:`monitor.process.use_directory` first (before anything imports prometheus-client),
then::

    monitoring = Monitoring(hub, journal, writer)
    runtime = hub.runtime.loops(journal, writer, observers=[monitoring.hooks])
    monitoring.attach(runtime)        # adds the sampler loop; serves the endpoint
    runtime.start() ... runtime.join()
    monitoring.close()

The endpoint shows the whole host: every process sharing the metrics directory, and the
broker's queues. When the port is taken (another hub process on this host serves it), this
process records its metrics for that endpoint and serves none itself.
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client import REGISTRY
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector, CollectorRegistry

from adapters.sdk.lifecycle import Health
from hub.assembly import Hub
from hub.config.durations import parse_duration
from hub.delivery.runner import DeliveryRunner
from hub.hosting.adapter_host import AdapterLoop
from hub.journal import Journal, JournalWriter
from hub.runtime.loops import HubRuntime
from monitor import process
from monitor.endpoint import MonitorApp, MonitorServer
from monitor.hooks import MetricsHooks
from monitor.queues import QueueCollector
from monitor.sampler import Sampler, SystemProbe, reachable

log = logging.getLogger(__name__)

#: The runtime's name for the sampler loop.
SAMPLER_LOOP = "monitor"


class Monitoring:
    """Everything one hub process does for monitoring; see the module doc for the order."""

    def __init__(self, hub: Hub, journal: Journal, writer: JournalWriter) -> None:
        self.hub = hub
        self.journal = journal
        self.writer = writer
        self.hooks = MetricsHooks(hub.systems.ids)
        self.server: MonitorServer | None = None
        self._queues = QueueCollector(hub.settings.resolved_broker_url(), hub.topology,
                                      embedded=hub.settings.is_embedded())

    def attach(self, runtime: HubRuntime) -> None:
        """Add the sampler to ``runtime`` (before it starts) and serve the endpoint."""
        runtime.loops[SAMPLER_LOOP] = self._sampler(runtime)
        port = self.hub.settings.metrics_port
        if port == 0:
            return
        probes = system_probes(runtime)
        app = MonitorApp(endpoint_registry(self._queues), runtime.readiness,
                         lambda: {f"{p.system}/{p.direction}": reachable(p) for p in probes})
        try:
            self.server = MonitorServer(app, self.hub.settings.metrics_host, port)
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            log.warning("metrics port %d is taken (another hub process on this host serves "
                        "it?); this process records its metrics for that endpoint", port)
            return
        self.server.start()
        log.info("metrics on http://%s:%d/metrics (/healthz, /readyz)",
                 self.hub.settings.metrics_host, self.server.port)

    def close(self) -> None:
        """Stop serving, drop the broker connection, forget this process's live gauges."""
        if self.server is not None:
            self.server.close()
        self._queues.close()
        process.retire()

    def _sampler(self, runtime: HubRuntime) -> Sampler:
        systems = self.hub.systems.ids
        default = parse_duration(self.hub.settings.source_cadence)
        cadences = {s: self.hub.connections.cadence_seconds(s, default) for s in systems}
        # A source never heard from counts as silent since now, so its silence still alerts.
        now = datetime.now(UTC)
        last = {s: now for s in systems} | self.journal.last_received(systems)
        worker = runtime.loops["worker"]
        return Sampler(
            broker_connected=worker.ready.is_set,
            probes=system_probes(runtime),
            journal=self.writer,
            cadences=cadences,
            last_received=last,
        )


def system_probes(runtime: HubRuntime) -> list[SystemProbe]:
    """A reachability probe per adapter of the runtime: inbound adapters once started, and
    the outbound adapters of the delivery runners."""
    probes = []
    for loop in runtime.loops.values():
        if isinstance(loop, AdapterLoop):
            probes.append(SystemProbe(loop.adapter.system, "inbound", _started_and_healthy(loop)))
        elif isinstance(loop, DeliveryRunner):
            health = getattr(loop.destination, "health", None)
            if health is not None:
                probes.append(SystemProbe(loop.destination_id, "outbound", _healthy(health)))
    return probes


def _started_and_healthy(loop: AdapterLoop) -> Callable[[], bool]:
    return lambda: loop.ready.is_set() and loop.adapter.health().ok


def _healthy(health: Callable[[], Health]) -> Callable[[], bool]:
    return lambda: health().ok


def endpoint_registry(*collectors: Collector) -> CollectorRegistry:
    """What ``/metrics`` shows: every process's values (from the metrics directory, or this
    process's when it keeps them in memory), plus ``collectors`` read at scrape time."""
    registry = CollectorRegistry()
    directory = process.active_directory()
    if directory is not None:
        MultiProcessCollector(registry, path=str(directory))
    else:
        registry.register(_ThisProcess())
    for collector in collectors:
        registry.register(collector)
    return registry


class _ThisProcess(Collector):
    """The in-memory default registry's metrics (no metrics directory in use)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
