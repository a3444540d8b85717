"""The worker's link to the broker: consume, publish with pipelined confirms, ack.

One interface, two implementations, chosen by :func:`open_link`:

- :class:`KombuLink`, on the session's kombu connection: every transport, the embedded SQLite
  and in-memory brokers included;
- :class:`hub.runtime.pika_link.PikaLink`, pika's asynchronous connection driven from the
  worker's thread: RabbitMQ only, and the default there (``broker_client``), because it costs
  the pipeline less CPU per message than kombu and py-amqp (``hub run`` measured 1.2-1.4x the
  inputs per second: see the README's figures).

Contract shared by both:

- :meth:`BrokerLink.consume` starts the consumer; deliveries are appended to
  :attr:`BrokerLink.received` while :meth:`BrokerLink.drain` or :meth:`BrokerLink.settle` runs.
- :meth:`BrokerLink.publish` sends without waiting and returns a sequence number;
  :meth:`BrokerLink.settle` waits for every publish since the last settle and returns the
  sequence numbers the broker refused (nacked, or in a batch with a ``basic.return``).
- :meth:`BrokerLink.ack` acks deliveries of this link, in the order received.
- A lost connection raises :class:`BrokerUnavailable` (pika) or one of the session's
  recoverable errors (kombu): the worker's loop reconnects either way, and the broker
  redelivers what was unacked.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kombu import Consumer, Queue
from kombu.message import Message

from hub.config.settings import BrokerClient
from hub.runtime.broker import BrokerSession, body_bytes
from schemas.contract.errors import ConfigError
from schemas.contract.messages import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)

#: How long a drain waits when deliveries are already in hand: long enough to read what has
#: arrived, too short to matter.
READ_WHAT_IS_THERE = 0.001


@dataclass
class Delivery:
    """One input as the broker handed it over: the message, whether it was delivered before
    (another worker died holding it), and the link's handle for acking it."""

    inbound: InboundMessage
    redelivered: bool
    handle: Any


class BrokerLink(Protocol):
    received: deque[Delivery]

    def get(self, queue: str) -> Delivery | None:
        """Take one message from ``queue`` without a consumer (None when it is empty)."""

    def consume(self, queue: str, prefetch: int) -> None:
        """Start consuming ``queue`` with manual acks, ``prefetch`` unacked at most."""

    def drain(self, timeout: float) -> bool:
        """Handle broker events until a delivery arrives or ``timeout`` passes; False if
        nothing arrived (deliveries already received count as arrived)."""

    def publish(self, message: OutboundMessage) -> int:
        """Send ``message`` (persistent, mandatory) without waiting; its sequence number."""

    def settle(self, timeout: float) -> set[int]:
        """Wait for the broker's answer to every publish since the last settle; the refused
        ones. Raises :class:`PublishNotConfirmed` after ``timeout`` seconds."""

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Ack ``deliveries`` (every one of them received from this link)."""

    def close(self) -> None:
        """Stop consuming and release the link; unacked deliveries return to the queue."""


def open_link(session: BrokerSession, client: BrokerClient) -> BrokerLink:
    """The worker's link to ``session``'s broker: pika on RabbitMQ unless ``client`` says
    kombu. A pika link connects to the node the session reached (which declared the topology)
    and then closes the session, which would otherwise sit idle and miss its heartbeats.
    Raises :class:`ConfigError` for pika on an embedded transport."""
    rabbitmq = session.is_rabbitmq
    if client == "pika" and not rabbitmq:
        raise ConfigError("broker_client pika needs RabbitMQ; the embedded broker speaks kombu")
    if client == "kombu" or not rabbitmq:
        return KombuLink(session)
    from hub.runtime.pika_link import PikaLink

    link = PikaLink(session.node_address())
    session.close()
    return link


class KombuLink:
    """:class:`BrokerLink` on a kombu session: its confirm-mode publisher, and a channel of
    its own for ``get`` and the consumer (closed by :meth:`close`, which returns what it holds
    unacked to the queue)."""

    def __init__(self, session: BrokerSession) -> None:
        self._session = session
        self._publisher = session.publisher()
        self._channel = session.channel()
        self._consumer: Consumer | None = None
        self.received: deque[Delivery] = deque()

    def get(self, queue: str) -> Delivery | None:
        message = Queue(queue, no_declare=True)(self._channel).get(no_ack=False)
        return None if message is None else _delivery(message)

    def consume(self, queue: str, prefetch: int) -> None:
        self._consumer = Consumer(
            self._channel, queues=[Queue(queue, no_declare=True)], no_ack=False,
            on_message=lambda message: self.received.append(_delivery(message)))
        self._consumer.qos(prefetch_count=prefetch)
        self._consumer.consume()

    def drain(self, timeout: float) -> bool:
        if self.received:
            self._session.drain(READ_WHAT_IS_THERE)  # no waiting: there is work in hand
            return True
        return self._session.drain(timeout)

    def publish(self, message: OutboundMessage) -> int:
        return self._publisher.publish(message)

    def settle(self, timeout: float) -> set[int]:
        return self._publisher.settle(timeout)

    def ack(self, deliveries: Iterable[Delivery]) -> None:
        for delivery in deliveries:
            delivery.handle.ack()

    def close(self) -> None:
        try:
            if self._consumer is not None:
                self._consumer.cancel()
            self._channel.close()
        except Exception as e:  # noqa: BLE001 - closing a channel of a dead connection
            log.debug("closing the worker's channel: %s", e)
        self._consumer = None


def _delivery(message: Message) -> Delivery:
    properties = message.properties or {}
    inbound = InboundMessage(
        body=body_bytes(message),
        routing_key=message.delivery_info.get("routing_key", ""),
        content_type=message.content_type or None,
        content_encoding=message.content_encoding or None,
        message_id=properties.get("message_id"),
        correlation_id=properties.get("correlation_id"),
        reply_to=properties.get("reply_to"),
        headers=dict(message.headers or {}),
        user_id=properties.get("user_id"),
    )
    return Delivery(inbound, bool(message.delivery_info.get("redelivered")), message)
