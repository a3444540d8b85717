"""The worker: consume ``hub.inbound``, process, publish, and ack only what is safe.

Loop contract:
- Inputs are processed in arrival order and their outputs published at once, without waiting.
- After ``confirm_batch_size`` inputs, or when the queue goes idle for ``idle_flush_seconds``,
  the worker waits once for the broker's confirms of the whole batch, then acks those inputs
  whose outputs were all confirmed.
- An input whose outputs were refused is republished to ``hub.inbound.retry`` (it comes back
  after ``retry_delay_seconds``) or, after ``max_attempts``, to ``hub.inbound.dead`` with its
  reason; only once that copy is confirmed is the original acked.
- A lost connection abandons the unacked batch (the broker redelivers it) and reconnects with
  backoff; outputs already published may then be published again, which destinations suppress
  by the envelope's content hash (at-least-once).
- :meth:`Worker.stop` (SIGTERM/SIGINT) finishes the batch in hand, acks it and returns.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kombu.message import Message
from tenacity import Retrying, retry_if_exception_type, wait_exponential_jitter

from hub.broker import BrokerSession
from hub.config import HubSettings
from hub.errors import BrokerUnavailable, PublishNotConfirmed
from hub.messages import ATTEMPT_HEADER, InboundMessage, OutboundMessage
from hub.processor import Outcome, Processor
from hub.publisher import ConfirmedPublisher
from hub.topology import DEAD, INBOUND, RETRY, Topology

log = logging.getLogger(__name__)


@dataclass
class _InFlight:
    message: Message
    inbound: InboundMessage
    sequences: list[int]


class Worker:
    """One consumer of ``hub.inbound``; run several processes for more throughput."""

    def __init__(
        self,
        settings: HubSettings,
        topology: Topology,
        processor: Processor,
        *,
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.settings = settings
        self.topology = topology
        self.processor = processor
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._stop = threading.Event()
        self._received: deque[Message] = deque()
        self.ready = threading.Event()

    def stop(self) -> None:
        """Ask the loop to finish the batch in hand and return (safe from a signal handler)."""
        self._stop.set()

    def run(self) -> None:
        """Consume until :meth:`stop`; reconnects with backoff when the broker goes away."""
        retrying = Retrying(
            retry=retry_if_exception_type((BrokerUnavailable, PublishNotConfirmed, OSError)),
            wait=wait_exponential_jitter(multiplier=0.5, max=30),
            sleep=self._interruptible_sleep,
            before_sleep=lambda state: log.warning(
                "broker trouble (%s); reconnecting", state.outcome.exception() if state.outcome else ""
            ),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                if not self._stop.is_set():
                    self._run_session()

    def _interruptible_sleep(self, seconds: float) -> None:
        """Back-off sleep that a stop request cuts short."""
        self._stop.wait(seconds)

    def _run_session(self) -> None:
        with BrokerSession(self.settings.resolved_broker_url(), self.topology) as session:
            try:
                self._consume(session)
            except session.recoverable_errors as e:
                raise BrokerUnavailable(str(e)) from e

    def _consume(self, session: BrokerSession) -> None:
        self._received.clear()
        publisher = session.publisher()
        consumer = session.consumer(
            self.topology.inbound_queue, self._received.append, prefetch=self.settings.prefetch_count
        )
        self.ready.set()
        batch: list[_InFlight] = []
        try:
            while not self._stop.is_set():
                idle = not session.drain(self.settings.idle_flush_seconds)
                while self._received and len(batch) < self.settings.confirm_batch_size:
                    batch.append(self._handle(self._received.popleft(), publisher))
                if batch and (idle or len(batch) >= self.settings.confirm_batch_size):
                    self._settle(batch, publisher)
                    batch = []
            if batch:
                self._settle(batch, publisher)
        finally:
            self.ready.clear()
            consumer.cancel()

    def _handle(self, message: Message, publisher: ConfirmedPublisher) -> _InFlight:
        inbound = _to_inbound(message)
        outcome = self.processor.process(inbound)
        sequences = [publisher.publish(output) for output in outcome.outputs]
        self._on_outcome(outcome)
        return _InFlight(message, inbound, sequences)

    def _settle(self, batch: list[_InFlight], publisher: ConfirmedPublisher) -> None:
        failed = publisher.settle(self.settings.confirm_timeout_seconds)
        redirected = []
        for item in batch:
            if failed.intersection(item.sequences):
                redirected.append((item, publisher.publish(self._retry_or_dead(item.inbound))))
        if redirected and publisher.settle(self.settings.confirm_timeout_seconds):
            raise PublishNotConfirmed("the broker refused retry copies; reconnecting")
        for item in batch:
            item.message.ack()

    def _retry_or_dead(self, inbound: InboundMessage) -> OutboundMessage:
        attempt = inbound.attempt
        headers = {**inbound.headers, ATTEMPT_HEADER: attempt + 1}
        if attempt >= self.settings.max_attempts:
            headers["hub-dead-reason"] = json.dumps(
                {"code": "publish.refused", "attempts": attempt}, ensure_ascii=False
            )
            exchange, key = DEAD, INBOUND
            log.error("input %s dead-lettered after %d attempts", inbound.message_id, attempt)
        else:
            exchange, key = RETRY, inbound.routing_key
            log.warning("outputs refused; input will be retried (attempt %d)", attempt + 1)
        return inbound.copy_to(exchange, key, headers, inbound.message_id, inbound.correlation_id)


def _to_inbound(message: Message) -> InboundMessage:
    properties = message.properties or {}
    return InboundMessage(
        body=message.body if isinstance(message.body, bytes) else str(message.body).encode(),
        routing_key=message.delivery_info.get("routing_key", ""),
        content_type=message.content_type or None,
        content_encoding=message.content_encoding or None,
        message_id=properties.get("message_id"),
        correlation_id=properties.get("correlation_id"),
        reply_to=properties.get("reply_to"),
        headers=dict(message.headers or {}),
    )
