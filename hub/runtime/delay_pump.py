"""Delays on brokers that have none: moves parked messages back when they are due.

RabbitMQ returns a message from ``hub.inbound.retry`` or ``hub.delay.<d>`` by itself (message
TTL, then dead-lettering to the queue's return exchange). kombu's virtual transports (the
embedded SQLite broker, ``memory://``) ignore both arguments, so on them this loop does the same
job: every ``interval`` it reads each delayed queue, republishes the messages whose
``hub-parked-at`` + TTL has passed to the return exchange under their original routing key, and
puts the others back. Each move is confirmed before the parked copy is acked.
"""

from __future__ import annotations

from kombu import Queue
from kombu.message import Message

from hub.runtime.broker import BrokerSession, body_bytes
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import DelayedQueue, Topology
from schemas.contract.envelope import epoch_ms
from schemas.contract.errors import PublishNotConfirmed
from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import PARKED_AT_HEADER

#: Messages looked at per queue and round; the rest wait for the next round.
SCAN_LIMIT = 1000


class DelayPump(ConsumerLoop):
    """Runs beside the workers on embedded brokers only (``HubSettings.is_embedded``)."""

    def __init__(self, broker_url: str, topology: Topology, *, interval: float = 0.5) -> None:
        super().__init__(broker_url, topology)
        self.interval = interval
        self.moved = 0

    def consume(self, session: BrokerSession) -> None:
        self.ready.set()
        while not self.stopping:
            for delayed in self.topology.delayed_queues:
                self.moved += self._move_due(session, delayed)
            self.pause(self.interval)

    def _move_due(self, session: BrokerSession, delayed: DelayedQueue) -> int:
        bound = Queue(delayed.name, no_declare=True)(session.default_channel)
        publisher = session.publisher()
        now = epoch_ms()
        due: list[Message] = []
        waiting: list[Message] = []
        for _ in range(SCAN_LIMIT):
            message = bound.get(no_ack=False)
            if message is None:
                break
            parked_at = int((message.headers or {}).get(PARKED_AT_HEADER, 0))
            (due if parked_at + delayed.ttl_ms <= now else waiting).append(message)
        for message in due:
            properties = message.properties or {}
            publisher.publish(
                OutboundMessage(
                    exchange=delayed.returns_to,
                    routing_key=message.delivery_info.get("routing_key", ""),
                    body=body_bytes(message),
                    content_type=message.content_type or "application/octet-stream",
                    content_encoding=message.content_encoding,
                    headers=dict(message.headers or {}),
                    message_id=properties.get("message_id"),
                    correlation_id=properties.get("correlation_id"),
                )
            )
        if due and publisher.settle(30):
            raise PublishNotConfirmed("could not return due messages from a delayed queue")
        for message in due:
            message.ack()
        for message in waiting:
            message.requeue()
        return len(due)
