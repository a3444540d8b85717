"""The worker: consume ``hub.inbound``, process, publish, and ack only what is safe.

Loop contract:
- Inputs are processed in arrival order and their outputs published at once, without waiting.
- After ``confirm_batch_size`` inputs, or when the queue goes idle for ``idle_flush_seconds``,
  the worker waits once for the broker's confirms of the whole batch and takes the batch's
  ack barrier (``ack_barrier``: the journal starts committing the batch's records). It passes
  the barrier and acks the batch once it has another full batch confirmed, or runs out of
  inputs (``idle_flush_seconds`` without one), or meets a redelivered one: the journal
  commits a batch while the worker processes the next (group commit, so a complete journal
  costs latency, not throughput), and nothing is acked before its record is committed,
  whatever kills the process. So two batches are unacked at most, and the overlap needs a
  prefetch of at least twice the batch (otherwise each batch is acked before the next).
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
from collections.abc import Callable
from dataclasses import dataclass

from hub.config.settings import HubSettings
from hub.pipeline.processor import Outcome, Processor
from hub.runtime.broker import BrokerSession
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import Topology
from hub.runtime.links import BrokerLink, Delivery, open_link
from schemas.contract.envelope import epoch_ms
from schemas.contract.errors import PublishNotConfirmed
from schemas.contract.messages import ATTEMPT_HEADER, InboundMessage, OutboundMessage
from schemas.contract.problems import PUBLISH_REFUSED
from schemas.contract.topology import DEAD, INBOUND, PARKED_AT_HEADER, RETRY

log = logging.getLogger(__name__)

#: Returns once what the worker reported of a batch is durable (its journal records committed);
#: the worker passes it before acking the batch.
AckBarrier = Callable[[], None]


@dataclass
class _InFlight:
    delivery: Delivery
    sequences: list[int]


@dataclass
class _Confirmed:
    """A batch whose outputs are confirmed, to be acked once past its barrier."""

    deliveries: list[Delivery]
    barrier: AckBarrier


def _no_barrier() -> None:
    """The barrier when nothing observes the worker: nothing to wait for."""


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
        ack_barrier: Callable[[], AckBarrier] | None = None,
    ) -> None:
        """``on_outcome`` hears of each input once its outputs are published; ``ack_barrier``
        is called once per batch, once its outputs are confirmed, and returns the barrier the
        worker passes before acking the batch, which returns once the batch's journal records
        are committed (a transient error leaves the batch unacked, for the broker to
        redeliver); ``on_released``
        of how many such inputs the worker no longer holds: acked (their outputs, or retry
        copies, confirmed), or left to the broker to redeliver when the connection was lost;
        ``on_backlog`` whether inputs queue up for it (see :class:`BacklogSense`)."""
        super().__init__(settings.resolved_broker_url(), topology)
        self.settings = settings
        self.processor = processor
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._on_released = on_released or (lambda inputs: None)
        self._ack_barrier = ack_barrier or (lambda: _no_barrier)
        self._confirmed: _Confirmed | None = None
        self._held = 0
        self._backlog = BacklogSense(on_backlog or (lambda busy: None))

    def consume(self, session: BrokerSession) -> None:
        try:
            self._consume(session)
        finally:
            self._confirmed = None  # left to the broker to redeliver
            self._release(self._held)
            self._backlog.reset()

    def _consume(self, session: BrokerSession) -> None:
        link = open_link(session, self.settings.broker_client)
        try:
            self._recover(link)
            link.consume(self.topology.inbound_queue.name, self.settings.prefetch_count)
            self.ready.set()
            self._work(link)
        finally:
            link.close()

    def _work(self, link: BrokerLink) -> None:
        batch: list[_InFlight] = []
        # Overlap needs room for a second batch while the first is unacked.
        overlap = self.settings.prefetch_count >= 2 * self.settings.confirm_batch_size
        while not self.stopping:
            waiting_since = time.monotonic()
            idle = not link.drain(self.settings.idle_flush_seconds)
            self._backlog.waited(time.monotonic() - waiting_since)
            if idle:
                self._pass_barrier(link)  # nothing came to overlap it with
            while link.received and len(batch) < self.settings.confirm_batch_size:
                delivery = link.received.popleft()
                if delivery.redelivered:
                    # Alone: nothing else unacked while it is processed (it may be a poison).
                    if batch:
                        self._settle(batch, link)
                        batch = []
                    self._pass_barrier(link)
                    self._settle([self._handle(delivery, link)], link)
                    continue
                batch.append(self._handle(delivery, link))
            if batch and (idle or len(batch) >= self.settings.confirm_batch_size):
                self._settle(batch, link, overlap=overlap and not idle)
                batch = []
        if batch:
            self._settle(batch, link)
        self._pass_barrier(link)

    def _recover(self, link: BrokerLink) -> None:
        """Take redelivered inputs one by one until the first fresh one (or an empty queue)."""
        while not self.stopping:
            delivery = link.get(self.topology.inbound_queue.name)
            if delivery is None:
                return
            self._settle([self._handle(delivery, link)], link)
            if not delivery.redelivered:
                return

    def _handle(self, delivery: Delivery, link: BrokerLink) -> _InFlight:
        """The record path's last stage, publish: the processor's outputs (receive ->
        standardise -> route -> build) go out at once; ``_settle`` awaits their confirms."""
        outcome = self.processor.process(delivery.inbound)
        sequences = [link.publish(output) for output in outcome.outputs]
        self._on_outcome(outcome)
        self._held += 1
        return _InFlight(delivery, sequences)

    def _settle(self, batch: list[_InFlight], link: BrokerLink, *, overlap: bool = False) -> None:
        """Wait for the batch's confirms (redirecting the inputs whose outputs were refused),
        ack the batch confirmed before it, and then, unless ``overlap``, this one too."""
        timeout = self.settings.confirm_timeout_seconds
        failed = link.settle(timeout)
        redirected = []
        for item in batch:
            if failed.intersection(item.sequences):
                redirected.append((item, link.publish(self._retry_or_dead(item.delivery.inbound))))
        if redirected and link.settle(timeout):
            raise PublishNotConfirmed("the broker refused retry copies; reconnecting")
        barrier = self._ack_barrier()
        self._pass_barrier(link)
        self._confirmed = _Confirmed([item.delivery for item in batch], barrier)
        if not overlap:
            self._pass_barrier(link)

    def _pass_barrier(self, link: BrokerLink) -> None:
        """Ack the confirmed batch, if any, once its records are durable."""
        if self._confirmed is None:
            return
        confirmed = self._confirmed
        confirmed.barrier()
        link.ack(confirmed.deliveries)
        self._confirmed = None
        self._release(len(confirmed.deliveries))

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
