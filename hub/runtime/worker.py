"""The worker: consume ``hub.inbound``, process, publish, and ack only what is safe.

Loop contract:
- Inputs are processed in arrival order and their outputs published at once, without waiting.
- After ``confirm_batch_size`` inputs, or when the queue goes idle for ``idle_flush_seconds``,
  the worker waits once for the broker's confirms of the whole batch, then once for the
  journal to commit the batch's records (``before_ack``: a complete journal whatever kills the
  process), then acks those inputs whose outputs were all confirmed.
- An input whose outputs were refused is republished to ``hub.inbound.retry`` (it comes back
  after ``retry_delay_seconds``) or, after ``max_attempts``, to ``hub.inbound.dead`` with its
  reason; only once that copy is confirmed is the original acked.
- A lost connection abandons the unacked batch (the broker redelivers it) and reconnects with
  backoff; outputs already published may then be published again, which destinations suppress
  by the envelope's content hash (at-least-once).
- Crash recovery: before consuming at full prefetch, the worker takes the inputs a dead worker
  left behind one at a time (``basic.get``), each confirmed and acked alone, until it meets one
  that is not a redelivery. A redelivered input met later (another worker died) is likewise
  processed alone. So a poison that crashes the process is handed back with nothing beside it:
  only its delivery count keeps growing and, on quorum queues, it alone reaches
  ``x-delivery-limit`` and goes to ``hub.inbound.dead``; inputs that were in flight beside it
  at the first crash are delivered, not dead-lettered with it.
- While inputs queue up for it (a burst), the worker says so (``on_backlog``, see
  :class:`BacklogSense`): the journal then holds its writes until the burst is through.
- :meth:`Worker.stop` (SIGTERM/SIGINT) finishes the batch in hand, acks it and returns.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from kombu.message import Message

from hub.config.settings import HubSettings
from hub.pipeline.processor import Outcome, Processor
from hub.runtime.broker import BrokerSession, body_bytes
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import Topology
from hub.runtime.publisher import ConfirmedPublisher
from schemas.contract.envelope import epoch_ms
from schemas.contract.errors import PublishNotConfirmed
from schemas.contract.messages import ATTEMPT_HEADER, InboundMessage, OutboundMessage
from schemas.contract.problems import PUBLISH_REFUSED
from schemas.contract.topology import DEAD, INBOUND, PARKED_AT_HEADER, RETRY

log = logging.getLogger(__name__)


@dataclass
class _InFlight:
    message: Message
    inbound: InboundMessage
    sequences: list[int]


class Worker(ConsumerLoop):
    """One consumer of ``hub.inbound``; run several processes for more throughput."""

    def __init__(
        self,
        settings: HubSettings,
        topology: Topology,
        processor: Processor,
        *,
        on_outcome: Callable[[Outcome], None] | None = None,
        on_released: Callable[[int], None] | None = None,
        on_backlog: Callable[[bool], None] | None = None,
        before_ack: Callable[[], None] | None = None,
    ) -> None:
        """``on_outcome`` hears of each input once its outputs are published; ``before_ack`` is
        called once per batch, after its outputs are confirmed and before its inputs are acked,
        and returns once their journal records are committed (a transient error leaves the
        batch unacked, for the broker to redeliver); ``on_released``
        of how many such inputs the worker no longer holds: acked (their outputs, or retry
        copies, confirmed), or left to the broker to redeliver when the connection was lost;
        ``on_backlog`` whether inputs queue up for it (see :class:`BacklogSense`)."""
        super().__init__(settings.resolved_broker_url(), topology)
        self.settings = settings
        self.processor = processor
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._on_released = on_released or (lambda inputs: None)
        self._before_ack = before_ack or (lambda: None)
        self._held = 0
        self._backlog = BacklogSense(on_backlog or (lambda busy: None))
        self._received: deque[Message] = deque()

    def consume(self, session: BrokerSession) -> None:
        try:
            self._consume(session)
        finally:
            self._release(self._held)
            self._backlog.reset()

    def _consume(self, session: BrokerSession) -> None:
        self._received.clear()
        publisher = session.publisher()
        self._recover(session, publisher)
        consumer = session.consumer(
            self.topology.inbound_queue, self._received.append, prefetch=self.settings.prefetch_count
        )
        self.ready.set()
        batch: list[_InFlight] = []
        try:
            while not self.stopping:
                waiting_since = time.monotonic()
                idle = not session.drain(self.settings.idle_flush_seconds)
                self._backlog.waited(time.monotonic() - waiting_since)
                while self._received and len(batch) < self.settings.confirm_batch_size:
                    message = self._received.popleft()
                    if message.delivery_info.get("redelivered"):
                        if batch:
                            self._settle(batch, publisher)
                            batch = []
                        self._settle([self._handle(message, publisher)], publisher)
                        continue
                    batch.append(self._handle(message, publisher))
                if batch and (idle or len(batch) >= self.settings.confirm_batch_size):
                    self._settle(batch, publisher)
                    batch = []
            if batch:
                self._settle(batch, publisher)
        finally:
            consumer.cancel()

    def _recover(self, session: BrokerSession, publisher: ConfirmedPublisher) -> None:
        """Take redelivered inputs one by one until the first fresh one (or an empty queue)."""
        queue = self.topology.inbound_queue(session.default_channel)
        while not self.stopping:
            message = queue.get(no_ack=False)
            if message is None:
                return
            self._settle([self._handle(message, publisher)], publisher)
            if not message.delivery_info.get("redelivered"):
                return

    def _handle(self, message: Message, publisher: ConfirmedPublisher) -> _InFlight:
        """The record path's last stage, publish: the processor's outputs (receive ->
        standardise -> route -> build) go out at once; ``_settle`` awaits their confirms."""
        inbound = _to_inbound(message)
        outcome = self.processor.process(inbound)
        sequences = [publisher.publish(output) for output in outcome.outputs]
        self._on_outcome(outcome)
        self._held += 1
        return _InFlight(message, inbound, sequences)

    def _settle(self, batch: list[_InFlight], publisher: ConfirmedPublisher) -> None:
        failed = publisher.settle(self.settings.confirm_timeout_seconds)
        redirected = []
        for item in batch:
            if failed.intersection(item.sequences):
                redirected.append((item, publisher.publish(self._retry_or_dead(item.inbound))))
        if redirected and publisher.settle(self.settings.confirm_timeout_seconds):
            raise PublishNotConfirmed("the broker refused retry copies; reconnecting")
        self._before_ack()
        for item in batch:
            item.message.ack()
        self._release(len(batch))

    def _release(self, inputs: int) -> None:
        if inputs:
            self._held -= inputs
            self._on_released(inputs)

    def _retry_or_dead(self, inbound: InboundMessage) -> OutboundMessage:
        attempt = inbound.attempt
        headers = {**inbound.headers, ATTEMPT_HEADER: attempt + 1}
        if attempt >= self.settings.max_attempts:
            headers["hub-dead-reason"] = json.dumps(
                {"code": PUBLISH_REFUSED, "attempts": attempt}, ensure_ascii=False
            )
            exchange, key = DEAD, INBOUND
            log.error("input %s dead-lettered after %d attempts", inbound.message_id, attempt)
        else:
            exchange, key = RETRY, inbound.routing_key
            headers[PARKED_AT_HEADER] = epoch_ms()
            log.warning("outputs refused; input will be retried (attempt %d)", attempt + 1)
        return inbound.copy_to(exchange, key, headers, inbound.message_id, inbound.correlation_id)


class BacklogSense:
    """Tells from how little the worker waits for inputs whether they queue up for it.

    Over each ``window`` of seconds, the share of time the worker spent waiting for its next
    input (in ``drain``; deliveries also arrive while it waits for confirms) decides: under
    ``1 - busy_share`` of the time means inputs were there whenever it looked, a backlog.
    ``report`` hears each change (the journal writer then defers its batches, leaving the CPU to
    the pipeline until the burst is through). A steady trickle keeps the worker waiting most of
    the time, so it never counts as a backlog.
    """

    def __init__(self, report: Callable[[bool], None], *, window: float = 0.25,
                 busy_share: float = 0.9, clock: Callable[[], float] = time.monotonic) -> None:
        self._report = report
        self._window = window
        self._busy_share = busy_share
        self._clock = clock
        self._since = clock()
        self._waiting = 0.0
        self.busy = False

    def waited(self, seconds: float) -> None:
        """The worker waited ``seconds`` for its next input (maybe in vain)."""
        self._waiting += seconds
        now = self._clock()
        elapsed = now - self._since
        if elapsed >= self._window:
            self._set((elapsed - self._waiting) / elapsed >= self._busy_share)
            self._since, self._waiting = now, 0.0

    def reset(self) -> None:
        self._since, self._waiting = self._clock(), 0.0
        self._set(False)

    def _set(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self._report(busy)


def _to_inbound(message: Message) -> InboundMessage:
    properties = message.properties or {}
    return InboundMessage(
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
