"""The hub's topology declared on a broker: kombu exchanges and queues for every name of
:mod:`schemas.contract.topology`, with the arguments that make delays, dead letters and quorum
queues work the same on RabbitMQ and on kombu's embedded transports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kombu import Exchange, Queue

from hub.config.retry_schedule import Delay
from schemas.contract.topology import (
    DEAD,
    INBOUND,
    INBOUND_DEAD_QUEUE,
    INBOUND_RETRY_QUEUE,
    INFORMATION,
    INFORMATION_MAX_WAITING,
    INFORMATION_TTL_MS,
    OUTBOUND,
    RETRY,
    SPECIAL_QUEUES,
    outbound_queue_name,
)


@dataclass(frozen=True)
class DelayedQueue:
    """A queue whose messages wait ``ttl_ms`` and then return to ``returns_to`` (same key)."""

    name: str
    ttl_ms: int
    returns_to: str


@dataclass(frozen=True)
class TopologyOptions:
    """What varies between deployments."""

    queue_type: str = "classic"
    retry_delay_ms: int = 30_000
    delivery_limit: int = 10
    delivery_delays: tuple[Delay, ...] = ()


class Topology:
    """All exchanges and queues of a hub that serves ``destinations``."""

    def __init__(self, destinations: Iterable[str], options: TopologyOptions) -> None:
        self.options = options
        self.inbound_exchange = Exchange(INBOUND, "topic", durable=True)
        self.outbound_exchange = Exchange(OUTBOUND, "direct", durable=True)
        self.retry_exchange = Exchange(RETRY, "topic", durable=True)
        self.dead_exchange = Exchange(DEAD, "direct", durable=True)
        # Topic with "#" rather than fanout, as for the delays below.
        self.information_exchange = Exchange(INFORMATION, "topic", durable=True)
        self.inbound_queue = self._queue(
            INBOUND, self.inbound_exchange, "#", dead_letter_key=INBOUND, delivery_limit=True
        )
        self.queues: list[Queue] = [
            self.inbound_queue,
            self._queue(
                INBOUND_RETRY_QUEUE,
                self.retry_exchange,
                "#",
                extra={
                    "x-message-ttl": options.retry_delay_ms,
                    # No dead-letter routing key: an expired input keeps its source.type key.
                    "x-dead-letter-exchange": INBOUND,
                },
            ),
            self._queue(INBOUND_DEAD_QUEUE, self.dead_exchange, INBOUND),
            self._queue(INFORMATION, self.information_exchange, "#", extra={
                "x-message-ttl": INFORMATION_TTL_MS,
                "x-max-length": INFORMATION_MAX_WAITING,
                "x-overflow": "reject-publish",
            }),
        ]
        for destination in [*destinations, *SPECIAL_QUEUES]:
            name = outbound_queue_name(destination)
            self.queues.append(
                self._queue(name, self.outbound_exchange, destination, dead_letter_key=name)
            )
            self.queues.append(self._queue(f"{name}.dead", self.dead_exchange, name))
        self.delayed_queues = [DelayedQueue(INBOUND_RETRY_QUEUE, options.retry_delay_ms, INBOUND)]
        self.delay_exchanges: dict[str, Exchange] = {}
        for delay in options.delivery_delays:
            if delay.queue in self.delay_exchanges:
                continue
            # Topic with "#" rather than fanout: kombu's virtual transports route it the same way.
            exchange = Exchange(delay.queue, "topic", durable=True)
            self.delay_exchanges[delay.queue] = exchange
            # No dead-letter routing key: an expired delivery keeps its destination key.
            arguments = {"x-message-ttl": delay.milliseconds, "x-dead-letter-exchange": OUTBOUND}
            self.queues.append(self._queue(delay.queue, exchange, "#", extra=arguments))
            self.delayed_queues.append(DelayedQueue(delay.queue, delay.milliseconds, OUTBOUND))

    @property
    def exchanges(self) -> list[Exchange]:
        return [
            self.inbound_exchange,
            self.outbound_exchange,
            self.retry_exchange,
            self.dead_exchange,
            self.information_exchange,
            *self.delay_exchanges.values(),
        ]

    def queue_names(self) -> list[str]:
        return [q.name for q in self.queues]

    def _queue(
        self,
        name: str,
        exchange: Exchange,
        routing_key: str,
        *,
        dead_letter_key: str | None = None,
        delivery_limit: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> Queue:
        arguments: dict[str, Any] = {"x-queue-type": self.options.queue_type}
        if dead_letter_key is not None:
            arguments["x-dead-letter-exchange"] = DEAD
            arguments["x-dead-letter-routing-key"] = dead_letter_key
        if delivery_limit and self.options.queue_type == "quorum":
            arguments["x-delivery-limit"] = self.options.delivery_limit
        arguments.update(extra or {})
        return Queue(
            name, exchange, routing_key=routing_key, durable=True, queue_arguments=arguments
        )
