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


@dataclass
class _InFlight:
    delivery: Delivery
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

    def consume(self, session: BrokerSession) -> None:
        try:
            self._consume(session)
        finally:
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
        while not self.stopping:
            waiting_since = time.monotonic()
            idle = not link.drain(self.settings.idle_flush_seconds)
            self._backlog.waited(time.monotonic() - waiting_since)
            while link.received and len(batch) < self.settings.confirm_batch_size:
                delivery = link.received.popleft()
                if delivery.redelivered:
                    if batch:
                        self._settle(batch, link)
                        batch = []
                    self._settle([self._handle(delivery, link)], link)
                    continue
                batch.append(self._handle(delivery, link))
            if batch and (idle or len(batch) >= self.settings.confirm_batch_size):
                self._settle(batch, link)
                batch = []
        if batch:
            self._settle(batch, link)

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

    def _settle(self, batch: list[_InFlight], link: BrokerLink) -> None:
        timeout = self.settings.confirm_timeout_seconds
        failed = link.settle(timeout)
        redirected = []
        for item in batch:
            if failed.intersection(item.sequences):
                redirected.append((item, link.publish(self._retry_or_dead(item.delivery.inbound))))
        if redirected and link.settle(timeout):
            raise PublishNotConfirmed("the broker refused retry copies; reconnecting")
        self._before_ack()
        link.ack([item.delivery for item in batch])
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
