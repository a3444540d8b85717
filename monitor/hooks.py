"""What the pipeline, the delivery runners, the review verifier and the adapters tell the metrics.

:class:`MetricsHooks` has the same callbacks as :class:`hub.journaling.JournalHooks` and counts
the same events the journal records, so the two agree: an input counted in
``hub_messages_in_total`` is a ``received`` message in the journal, a ``delivered`` copy in
``hub_messages_out_total`` a ``delivered`` event, and so on. Each callback costs a few counter
increments; nothing here blocks or talks to the network.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from datetime import UTC, datetime

import schemas
from adapters.sdk.errors import ADAPTER_REASON_CODES
from hub.delivery.runner import DeliveryEvent
from hub.observers import ExchangeObserver
from hub.outputs import FEEDBACK
from hub.problems import HUB_REASON_CODES, Problem
from hub.processor import Outcome
from hub.review import ReviewOutcome
from hub.topology import REVIEW, outbound_queue_name
from monitor import metrics
from monitor.catalogue import OTHER_REASON, UNKNOWN

#: Outcome.status -> the outcome label of hub_messages_in_total.
_IN_OUTCOMES = {"delivered": "routed", "review": "review", "rejected": "rejected"}
#: Outcome.status -> the status of the feedback sent for it.
_FEEDBACK_STATUSES = {"delivered": "accepted", "review": "review", "rejected": "rejected"}
#: DeliveryEvent.kind -> the outcome label of hub_messages_out_total (other kinds: not an end).
_DELIVERY_OUTCOMES = {"delivered": "delivered", "duplicate": "duplicate",
                      "dead_lettered": "dead_lettered"}
#: ReviewOutcome.status -> the outcome label of hub_reviews_total (retried: not an end).
_REVIEW_OUTCOMES = {"verified": "verified", "rejected": "rejected", "handed_over": "handed_over"}

_KNOWN_REASONS = frozenset(schemas.REASON_CODES) | set(HUB_REASON_CODES) | set(
    ADAPTER_REASON_CODES
)


class MetricsHooks(ExchangeObserver):
    """Metric-recording callbacks; ``systems`` bounds the source and destination labels."""

    def __init__(self, systems: Collection[str], *, hub_queues: Collection[str] = (REVIEW,)) -> None:
        self._places = frozenset(systems) | frozenset(hub_queues)
        self._record_types = frozenset(schemas.RECORD_TYPES)

    # -- the pipeline -------------------------------------------------------------------------

    def on_outcome(self, outcome: Outcome) -> None:
        """One input processed and its outputs published (not yet confirmed)."""
        source = self._place(outcome.source)
        record_type = self._record_type(outcome.record_type)
        metrics.MESSAGES_IN.labels(source, record_type, _IN_OUTCOMES[outcome.status]).inc()
        metrics.IN_FLIGHT.inc()
        metrics.PROCESSING_SECONDS.labels(record_type).observe(_seconds_since(outcome.received_at))
        if source != UNKNOWN:
            metrics.SOURCE_LAST_RECEIVED.labels(source).set(outcome.received_at.timestamp())
        for reason in _reasons(outcome.problems):
            metrics.REJECTIONS.labels(source, reason).inc()
        if outcome.status == "delivered":
            for destination in outcome.destinations:
                self._queued(source, destination, record_type)
        if any(o.headers.get("hub-record-type") == FEEDBACK for o in outcome.outputs):
            metrics.FEEDBACK.labels(source, _FEEDBACK_STATUSES[outcome.status]).inc()

    def on_released(self, inputs: int) -> None:
        """``inputs`` taken from hub.inbound are no longer held (acked, or handed back)."""
        metrics.IN_FLIGHT.dec(inputs)

    # -- deliveries and reviews ---------------------------------------------------------------

    def on_delivery(self, event: DeliveryEvent) -> None:
        """One step of a delivery runner: delivered, duplicate, retried, failed, dead_lettered."""
        destination = self._place(event.destination)
        envelope = event.envelope
        if event.kind == "retried":
            metrics.RETRIES.labels(destination).inc()
        elif event.kind == "dead_lettered":
            metrics.DEAD_LETTERS.labels(
                outbound_queue_name(event.destination) + ".dead", _detail_reason(event.detail)
            ).inc()
        outcome = _DELIVERY_OUTCOMES.get(event.kind)
        if outcome is None:
            return
        source = self._place(envelope.source) if envelope else UNKNOWN
        record_type = self._record_type(envelope.record_type) if envelope else UNKNOWN
        metrics.MESSAGES_OUT.labels(source, destination, record_type, outcome).inc()
        if event.kind == "delivered":
            metrics.SYSTEM_LAST_SUCCESS.labels(destination, "outbound").set(event.at.timestamp())
            if envelope is not None:
                elapsed = (event.at - envelope.received_at).total_seconds()
                metrics.END_TO_END_SECONDS.labels(destination).observe(max(0.0, elapsed))

    def on_review(self, outcome: ReviewOutcome) -> None:
        """One verdict of the review verifier."""
        envelope = outcome.envelope
        source = self._place(envelope.source) if envelope else UNKNOWN
        record_type = self._record_type(envelope.record_type) if envelope else UNKNOWN
        if outcome.status == "retried":
            metrics.RETRIES.labels(REVIEW).inc()
            return
        metrics.REVIEWS.labels(source, record_type, _REVIEW_OUTCOMES[outcome.status]).inc()
        if outcome.status == "handed_over":
            metrics.DEAD_LETTERS.labels(
                outbound_queue_name(REVIEW) + ".dead", _detail_reason(outcome.detail)
            ).inc()
            return
        for reason in _reasons(outcome.problems):
            metrics.REJECTIONS.labels(source, reason).inc()
        for destination in outcome.destinations:
            self._queued(source, destination, record_type)
        if envelope is not None:
            status = "accepted" if outcome.status == "verified" else "rejected"
            metrics.FEEDBACK.labels(source, status).inc()

    # -- adapters -----------------------------------------------------------------------------

    def on_adapter_records(self, system: str, adapter: str, outcome: str, count: int) -> None:
        """An inbound adapter handed ``count`` records to the hub (submitted) or refused one."""
        place = self._place(system)
        metrics.ADAPTER_RECORDS.labels(place, adapter, outcome).inc(count)
        metrics.SYSTEM_LAST_SUCCESS.labels(place, "inbound").set(time.time())

    # -- labels -------------------------------------------------------------------------------

    def _queued(self, source: str, destination: str, record_type: str) -> None:
        metrics.MESSAGES_OUT.labels(source, self._place(destination), record_type, "queued").inc()

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
