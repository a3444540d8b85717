"""The worker's link to RabbitMQ on pika's asynchronous connection, driven from the worker's
own thread (see :mod:`hub.runtime.links` for the contract).

pika's ``SelectConnection`` frames a publish in less CPU time than kombu and py-amqp take
(27-40 µs against 47 µs, measured alone), and buffers what it sends until its I/O loop runs.
Nothing runs that loop but this link: it polls the socket while the worker waits (``drain``,
``settle``, ``get``) and after each input's outputs, so that the broker confirms a batch while
the worker is still building it; it holds the worker back while more than
``MAX_UNSENT_BYTES`` wait for the socket. Heartbeats are sent from the same polls; a worker
blocked elsewhere for longer than the heartbeat window loses its connection, and its unacked
inputs are redelivered.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import pika
import pika.exceptions
from pika import spec
from pika.channel import Channel
from pika.frame import Method

from hub.runtime.broker import HEARTBEAT_SECONDS, NodeAddress
from hub.runtime.links import Delivery
from hub.runtime.publisher import ConfirmTracker
from schemas.contract.errors import BrokerUnavailable, PublishNotConfirmed
from schemas.contract.messages import InboundMessage, OutboundMessage

log = logging.getLogger(__name__)

#: Publishes buffered before the link lets them out (and reads the broker's confirms): an
#: input's three envelopes. Measured in the burst test (27 KB records): every 48 publishes
#: peaked the worker at 314-484 MB, every 3 at 138-152 MB, at the same throughput.
FLUSH_EVERY = 3
#: How long to wait for the broker to answer a connection, a ``basic.get`` or a consume.
ANSWER_SECONDS = 10.0
#: Publishes buffered beyond this many bytes wait for the socket (backpressure).
MAX_UNSENT_BYTES = 1 << 20
#: How long the socket may take nothing before the link gives up and reconnects.
BLOCKED_SECONDS = 60.0


def _nothing() -> None:
    """A timer's callback whose only job is to bound the I/O loop's wait."""


def _tls(node: NodeAddress) -> pika.SSLOptions | None:
    """pika's TLS options for what kombu read from an ``amqps://`` URL: the system's trust
    store unless ``ca_certs`` names one, a client certificate if given, hostname checked."""
    if not node.tls:
        return None
    options = node.tls if isinstance(node.tls, dict) else {}
    context = ssl.create_default_context(cafile=options.get("ca_certs"))
    if options.get("certfile"):
        context.load_cert_chain(options["certfile"], options.get("keyfile"))
    if options.get("cert_reqs") is not None:
        verify = ssl.VerifyMode(options["cert_reqs"])
        context.check_hostname = verify != ssl.CERT_NONE  # before verify_mode may be NONE
        context.verify_mode = verify
    return pika.SSLOptions(context, node.host)


class PikaLink:
    """:class:`hub.runtime.links.BrokerLink` on one pika connection and one confirm-mode
    channel to ``node``. Not thread-safe: one worker thread owns it."""

    def __init__(self, node: NodeAddress) -> None:
        parameters = pika.ConnectionParameters(
            host=node.host, port=node.port, virtual_host=node.virtual_host,
            credentials=pika.PlainCredentials(node.userid, node.password),
            ssl_options=_tls(node), heartbeat=HEARTBEAT_SECONDS, connection_attempts=1,
            socket_timeout=ANSWER_SECONDS)
        self.received: deque[Delivery] = deque()
        self._unacked: deque[int] = deque()
        self._confirms = ConfirmTracker()
        self._error: BrokerUnavailable | None = None
        self._closing = False
        self._channel: Channel | None = None
        self._confirming = False
        self._consuming = False
        self._got: Delivery | None = None
        self._get_answered = False
        self._unflushed = 0
        self._connection = pika.SelectConnection(
            parameters, on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_closed)
        self._loop = self._connection.ioloop
        self._loop.activate_poller()
        if not self._run_until(lambda: self._confirming, ANSWER_SECONDS):
            self.close()
            raise BrokerUnavailable(f"no answer from {parameters.host}:{parameters.port} "
                                    f"within {ANSWER_SECONDS}s")

    # The link's operations, in the worker's thread.

    def get(self, queue: str) -> Delivery | None:
        self._got, self._get_answered = None, False
        self._require().basic_get(queue, self._on_get_ok, auto_ack=False)
        if not self._run_until(lambda: self._get_answered, ANSWER_SECONDS):
            raise BrokerUnavailable(f"no answer to basic.get on {queue}")
        return self._got

    def consume(self, queue: str, prefetch: int) -> None:
        channel = self._require()
        channel.basic_qos(prefetch_count=prefetch)
        channel.basic_consume(queue, self._on_message, auto_ack=False,
                              callback=self._on_consume_ok)
        if not self._run_until(lambda: self._consuming, ANSWER_SECONDS):
            raise BrokerUnavailable(f"no answer to basic.consume on {queue}")

    def drain(self, timeout: float) -> bool:
        if self.received:
            self._poll(0)
            return True
        return self._run_until(lambda: bool(self.received), timeout)

    def publish(self, message: OutboundMessage) -> int:
        channel = self._require()
        seq = self._confirms.published()
        properties = spec.BasicProperties(
            content_type=message.content_type,
            content_encoding=message.content_encoding or "binary",
            headers=dict(message.headers),
            delivery_mode=2,
            message_id=message.message_id or None,
            correlation_id=message.correlation_id or None,
            reply_to=message.reply_to or None,
            user_id=message.user_id or None,
        )
        try:
            channel.basic_publish(message.exchange, message.routing_key, message.body,
                                  properties, mandatory=message.mandatory)
        except pika.exceptions.AMQPError as e:
            raise BrokerUnavailable(f"publishing: {e!r}") from e
        self._unflushed += 1
        if self._unflushed >= FLUSH_EVERY:
            self._poll(0)
        if self._unsent() > MAX_UNSENT_BYTES:
            self._wait_for_the_socket()
        return seq

    def settle(self, timeout: float) -> set[int]:
        if not self._run_until(lambda: not self._confirms.unsettled, timeout):
            raise PublishNotConfirmed(
                f"{self._confirms.unsettled} publishes not confirmed within {timeout}s")
        return self._confirms.take_failed()

    def ack(self, deliveries: Sequence[Delivery]) -> None:
        """Ack ``deliveries``; when they are the oldest unacked ones, in order (the worker's
        batches always are), with one ``multiple`` ack."""
        tags = [delivery.handle for delivery in deliveries]
        if not tags:
            return
        channel = self._require()
        try:
            if all(tag == self._unacked[n] for n, tag in enumerate(tags)):
                channel.basic_ack(tags[-1], multiple=True)
                for _ in tags:
                    self._unacked.popleft()
            else:
                for tag in tags:
                    channel.basic_ack(tag)
                    self._unacked.remove(tag)
        except (IndexError, ValueError) as e:
            raise ValueError(f"ack of a delivery this link does not hold: {e}") from e
        except pika.exceptions.AMQPError as e:
            raise BrokerUnavailable(f"acking: {e!r}") from e
        self._poll(0)

    def close(self) -> None:
        """Close the connection (buffered acks go out first); unacked deliveries return to
        the queue. Safe on a dead connection."""
        self._closing = True
        try:
            if self._connection.is_open:
                self._connection.close()
            self._run_until(lambda: self._connection.is_closed, ANSWER_SECONDS, check=False)
        except Exception as e:  # noqa: BLE001 - closing a dead connection is not an error
            log.debug("closing the pika connection: %s", e)
        finally:
            self._loop.close()

    # The I/O loop.

    def _unsent(self) -> int:
        """Bytes published but not yet taken by the socket. (pika's blocking adapter reads the
        same figure to flush; pika buffers without bound, so the link must.)"""
        return int(self._connection._get_write_buffer_size())

    def _wait_for_the_socket(self) -> None:
        """Backpressure: let the socket take the buffer down to the bound before publishing
        on, as a blocking client would block in ``send``. Memory stays bounded when the broker
        is slower than the pipeline (measured: without it, 27 KB records in a burst grew the
        worker by 200 MB of buffered publishes)."""
        if not self._run_until(lambda: self._unsent() <= MAX_UNSENT_BYTES, BLOCKED_SECONDS):
            raise BrokerUnavailable(
                f"the broker took nothing for {BLOCKED_SECONDS:g}s (a resource alarm?)")

    def _poll(self, wait: float) -> None:
        """Run the I/O loop once: send what is buffered, handle what arrived, waiting up to
        ``wait`` seconds for something to arrive."""
        timer = self._loop.call_later(wait, _nothing)
        try:
            self._loop.poll()
            self._loop.process_timeouts()
        finally:
            self._loop.remove_timeout(timer)
        self._unflushed = 0
        self._raise_if_failed()

    def _run_until(self, done: Callable[[], bool], timeout: float, *, check: bool = True) -> bool:
        """Run the I/O loop until ``done()`` or ``timeout`` seconds; whether it is done. Raises
        :class:`BrokerUnavailable` once the connection or the channel is lost (unless not
        ``check``)."""
        deadline = time.monotonic() + timeout
        while True:
            if check:
                self._raise_if_failed()
            if done():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                self._poll(remaining)
            except BrokerUnavailable:
                if check:
                    raise

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def _require(self) -> Channel:
        self._raise_if_failed()
        if self._channel is None:
            raise BrokerUnavailable("the pika link has no open channel")
        return self._channel

    # pika's callbacks, from inside the I/O loop.

    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.add_callback(self._on_get_empty, [spec.Basic.GetEmpty], one_shot=False)
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, frame: Method) -> None:
        self._confirming = True

    def _on_open_error(self, connection: Any, error: BaseException | str) -> None:
        self._error = BrokerUnavailable(f"cannot connect: {error}")

    def _on_closed(self, connection: Any, reason: BaseException) -> None:
        if not self._closing:
            self._error = BrokerUnavailable(f"connection lost: {reason!r}")

    def _on_channel_closed(self, channel: Channel, reason: BaseException) -> None:
        if not self._closing:
            self._error = BrokerUnavailable(f"the broker closed the channel: {reason!r}")

    def _on_confirm(self, frame: Method) -> None:
        method = frame.method
        if isinstance(method, spec.Basic.Nack):
            self._confirms.nacked(method.delivery_tag, method.multiple)
        else:
            self._confirms.acked(method.delivery_tag, method.multiple)

    def _on_return(self, channel: Channel, method: Any, properties: Any, body: bytes) -> None:
        self._confirms.returned()

    def _on_consume_ok(self, frame: Method) -> None:
        self._consuming = True

    def _on_message(self, channel: Channel, method: Any, properties: spec.BasicProperties,
                    body: bytes) -> None:
        self.received.append(self._delivery(method, properties, body))

    def _on_get_ok(self, channel: Channel, method: Any, properties: spec.BasicProperties,
                   body: bytes) -> None:
        self._got, self._get_answered = self._delivery(method, properties, body), True

    def _on_get_empty(self, frame: Method) -> None:
        self._got, self._get_answered = None, True

    def _delivery(self, method: Any, properties: spec.BasicProperties, body: bytes) -> Delivery:
        self._unacked.append(method.delivery_tag)
        inbound = InboundMessage(
            body=body,
            routing_key=method.routing_key,
            content_type=properties.content_type or None,
            content_encoding=properties.content_encoding or None,
            message_id=properties.message_id,
            correlation_id=properties.correlation_id,
            reply_to=properties.reply_to,
            headers=dict(properties.headers or {}),
            user_id=properties.user_id,
        )
        return Delivery(inbound, bool(method.redelivered), method.delivery_tag)
