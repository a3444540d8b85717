"""What the pipeline, the delivery runners, the review verifier and the adapters tell the metrics.

:class:`MetricsHooks` has the same callbacks as :class:`hub.observers.journal_hooks.JournalHooks` and counts
the same events the journal records, so the two agree: an input counted in
``hub_messages_in_total`` is a ``received`` message in the journal, a ``delivered`` copy in
``hub_messages_out_total`` a ``delivered`` event, and so on. Each callback costs a few counter
increments; nothing here blocks or talks to the network.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any

import schemas
from hub.delivery.runner import DeliveryEvent
from hub.observers.fanout import ExchangeObserver
from hub.pipeline.forms import FEEDBACK
from hub.pipeline.processor import Outcome
from hub.pipeline.reasons import REASONS
from hub.review import ReviewOutcome, ReviewStatus
from monitor import metrics
from monitor.metric_catalogue import OTHER_REASON, UNKNOWN
from schemas.contract.problems import Problem
from schemas.contract.states import EventKind, OutcomeStatus
from schemas.contract.topology import REVIEW, outbound_queue_name
from schemas.v1.feedback import FeedbackStatus

#: Outcome.status -> the outcome label of hub_messages_in_total.
IN_OUTCOMES: dict[OutcomeStatus, str] = {
    OutcomeStatus.DELIVERED: "routed", OutcomeStatus.REVIEW: "review",
    OutcomeStatus.REJECTED: "rejected",
}  # fmt: skip
#: Outcome.status -> the status of the feedback sent for it.
FEEDBACK_STATUSES: dict[OutcomeStatus, FeedbackStatus] = {
    OutcomeStatus.DELIVERED: "accepted", OutcomeStatus.REVIEW: "review",
    OutcomeStatus.REJECTED: "rejected",
}  # fmt: skip
#: DeliveryEvent.kind -> the outcome label of hub_messages_out_total (other kinds: not an end).
DELIVERY_OUTCOMES: dict[EventKind, str] = {
    EventKind.DELIVERED: "delivered", EventKind.DUPLICATE: "duplicate",
    EventKind.DEAD_LETTERED: "dead_lettered",
}  # fmt: skip
#: ReviewOutcome.status -> the outcome label of hub_reviews_total (retried: not an end).
REVIEW_OUTCOMES: dict[ReviewStatus, str] = {
    ReviewStatus.VERIFIED: "verified", ReviewStatus.REJECTED: "rejected",
    ReviewStatus.HANDED_OVER: "handed_over",
}  # fmt: skip

#: Every registered reason code is its own value of the ``reason`` label; only a code the
#: registry does not hold (from a third-party adapter, or a bug) is counted as ``other``.
_KNOWN_REASONS = REASONS.codes()


class MetricsHooks(ExchangeObserver):
    """Metric-recording callbacks; ``systems`` bounds the source and destination labels."""

    def __init__(self, systems: Collection[str], *, hub_queues: Collection[str] = (REVIEW,)) -> None:
        self._places = frozenset(systems) | frozenset(hub_queues)
        self._record_types = frozenset(schemas.RECORD_TYPES)
        # Labelled children by (metric, label values): a dictionary lookup instead of
        # prometheus-client's checks on every call. Bounded, as the label values are.
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    # -- the pipeline -------------------------------------------------------------------------

    def on_outcome(self, outcome: Outcome) -> None:
        """One input processed and its outputs published (not yet confirmed)."""
        source = self._place(outcome.source)
        record_type = self._record_type(outcome.record_type)
        self._of(metrics.MESSAGES_IN, source, record_type, IN_OUTCOMES[outcome.status]).inc()
        metrics.IN_FLIGHT.inc()
        processing = _seconds_since(outcome.received_at)
        self._of(metrics.PROCESSING_SECONDS, record_type).observe(processing)
        if source != UNKNOWN:
            self._of(metrics.SOURCE_LAST_RECEIVED, source).set(outcome.received_at.timestamp())
        for reason in _reasons(outcome.problems):
            self._of(metrics.REJECTIONS, source, reason).inc()
        if outcome.status == OutcomeStatus.DELIVERED:
            for destination in outcome.destinations:
                self._queued(source, destination, record_type)
        if any(o.headers.get("hub-record-type") == FEEDBACK for o in outcome.outputs):
            self._of(metrics.FEEDBACK, source, FEEDBACK_STATUSES[outcome.status]).inc()

    def on_released(self, inputs: int) -> None:
        """``inputs`` taken from hub.inbound are no longer held (acked, or handed back)."""
        metrics.IN_FLIGHT.dec(inputs)

    # -- deliveries and reviews ---------------------------------------------------------------

    def on_delivery(self, event: DeliveryEvent) -> None:
        """One step of a delivery runner: delivered, duplicate, retried, failed, dead_lettered."""
        destination = self._place(event.destination)
        envelope = event.envelope
        if event.kind == EventKind.RETRIED:
            self._of(metrics.RETRIES, destination).inc()
        elif event.kind == EventKind.DEAD_LETTERED:
            queue = outbound_queue_name(event.destination) + ".dead"
            self._of(metrics.DEAD_LETTERS, queue, _detail_reason(event.detail)).inc()
        outcome = DELIVERY_OUTCOMES.get(event.kind)
        if outcome is None:
            return
        source = self._place(envelope.source) if envelope else UNKNOWN
        record_type = self._record_type(envelope.record_type) if envelope else UNKNOWN
        self._of(metrics.MESSAGES_OUT, source, destination, record_type, outcome).inc()
        if event.kind == EventKind.DELIVERED:
            at = event.at.timestamp()
            self._of(metrics.SYSTEM_LAST_SUCCESS, destination, "outbound").set(at)
            if envelope is not None:
                elapsed = (event.at - envelope.received_at).total_seconds()
                self._of(metrics.END_TO_END_SECONDS, destination).observe(max(0.0, elapsed))

    def on_review(self, outcome: ReviewOutcome) -> None:
        """One verdict of the review verifier."""
        envelope = outcome.envelope
        source = self._place(envelope.source) if envelope else UNKNOWN
        record_type = self._record_type(envelope.record_type) if envelope else UNKNOWN
        if outcome.status == ReviewStatus.RETRIED:
            self._of(metrics.RETRIES, REVIEW).inc()
            return
        self._of(metrics.REVIEWS, source, record_type, REVIEW_OUTCOMES[outcome.status]).inc()
        if outcome.status == ReviewStatus.HANDED_OVER:
            queue = outbound_queue_name(REVIEW) + ".dead"
            self._of(metrics.DEAD_LETTERS, queue, _detail_reason(outcome.detail)).inc()
            return
        for reason in _reasons(outcome.problems):
            self._of(metrics.REJECTIONS, source, reason).inc()
        for destination in outcome.destinations:
            self._queued(source, destination, record_type)
        if envelope is not None:
            status: FeedbackStatus = (
                "accepted" if outcome.status == ReviewStatus.VERIFIED else "rejected"
            )
            self._of(metrics.FEEDBACK, source, status).inc()

    # -- adapters -----------------------------------------------------------------------------

    def on_adapter_records(self, system: str, adapter: str, outcome: str, count: int) -> None:
        """An inbound adapter handed ``count`` records to the hub (submitted) or refused one."""
        place = self._place(system)
        self._of(metrics.ADAPTER_RECORDS, place, adapter, outcome).inc(count)
        self._of(metrics.SYSTEM_LAST_SUCCESS, place, "inbound").set(time.time())

    # -- labels -------------------------------------------------------------------------------

    def _of(self, metric: metrics.Metric, *labels: str) -> Any:
        key = (id(metric), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = metric.labels(*labels)
        return child

    def _queued(self, source: str, destination: str, record_type: str) -> None:
        place = self._place(destination)
        self._of(metrics.MESSAGES_OUT, source, place, record_type, "queued").inc()

    def _place(self, system: str) -> str:
        return system if system in self._places else UNKNOWN

    def _record_type(self, record_type: str) -> str:
        return record_type if record_type in self._record_types else UNKNOWN


def _reason(code: str) -> str:
    return code if code in _KNOWN_REASONS else OTHER_REASON


def _reasons(problems: Iterable[Problem]) -> set[str]:
    """Each reason label once, however many fields share the code."""
    return {_reason(p.code) for p in problems}


def _detail_reason(detail: str) -> str:
    """The reason code a dead-letter event's detail ("<code>: <error>") starts with."""
    return _reason(detail.partition(":")[0].strip())


def _seconds_since(moment: datetime) -> float:
    return max(0.0, (datetime.now(UTC) - moment).total_seconds())
