"""What the pipeline, the delivery runners and the review verifier tell the journal.

Pure functions from what happened (an input and its :class:`Outcome`, a
:class:`DeliveryEvent`, a :class:`ReviewOutcome`) to journal records; :class:`JournalHooks` hands them to a
:class:`JournalWriter`, which writes them in batches off the hot path.
"""

from __future__ import annotations

import functools

from hub.delivery.runner import DeliveryEvent
from hub.journal import JournalEvent, JournalMessage, JournalWriter
from hub.journal.writer import weight
from hub.observers import ExchangeObserver
from hub.processor import Outcome
from hub.review import ReviewOutcome

FEEDBACK_HEADER_VALUE = "feedback"


def message_record(outcome: Outcome) -> JournalMessage:
    """The input as received (body kept for replay), with its unified form when there is one."""
    inbound = outcome.inbound
    return JournalMessage(
        message_id=outcome.message_id,
        received_at=outcome.received_at,
        source=outcome.source,
        record_type=outcome.record_type,
        routing_key=inbound.routing_key,
        correlation_id=outcome.correlation_id,
        body=inbound.body,
        content_type=inbound.content_type,
        content_encoding=inbound.content_encoding,
        source_message_id=inbound.message_id,
        headers=dict(inbound.headers),
        credit_code=outcome.credit_code,
        content_hash=outcome.content_hash,
        payload=outcome.payload,
    )


def outcome_records(outcome: Outcome) -> tuple[list[JournalMessage], list[JournalEvent]]:
    """The message and the events of one outcome."""
    return [message_record(outcome)], outcome_events(outcome)


def outcome_events(outcome: Outcome) -> list[JournalEvent]:
    """received, then standardised and routed (one per destination), or rejected/review, and
    feedback when the source was sent some."""

    def event(kind: str, destination: str | None = None, detail: str = "") -> JournalEvent:
        return JournalEvent(
            message_id=outcome.message_id,
            event=kind,
            at=outcome.received_at,
            source=outcome.source,
            record_type=outcome.record_type,
            correlation_id=outcome.correlation_id,
            destination=destination,
            credit_code=outcome.credit_code,
            detail=detail,
        )

    codes = ", ".join(p.code for p in outcome.problems)
    events = [event("received")]
    if outcome.payload is not None:
        events.append(event("standardised"))
    if outcome.status == "delivered":
        for destination in outcome.destinations:
            rules = sorted({m.rule for m in outcome.matches if m.destination == destination})
            events.append(event("routed", destination, ", ".join(rules)))
    elif outcome.status == "review":
        events.append(event("review", "review", codes))
    else:
        events.append(event("rejected", "quarantine", codes))
    feedback = [o for o in outcome.outputs if o.headers.get("hub-record-type") == FEEDBACK_HEADER_VALUE]
    if feedback:
        events.append(event("feedback", outcome.source, outcome.status))
    return events


def delivery_record(event: DeliveryEvent) -> JournalEvent | None:
    """The journal event for a delivery step (None for an envelope too broken to name)."""
    envelope = event.envelope
    if envelope is None:
        return None
    return JournalEvent(
        message_id=envelope.message_id,
        event=event.kind,
        at=event.at,
        source=envelope.source,
        record_type=envelope.record_type,
        correlation_id=envelope.correlation_id,
        destination=event.destination,
        credit_code=envelope.credit_code,
        attempt=event.attempt,
        detail=event.detail[:2000],
    )


#: ReviewOutcome status -> the journal event it starts with, at the place it concerns.
_REVIEW_EVENTS = {
    "verified": ("verified", "review"),
    "rejected": ("rejected", "quarantine"),
    "retried": ("retried", "review"),
    "handed_over": ("dead_lettered", "review"),
}


def review_events(outcome: ReviewOutcome) -> list[JournalEvent]:
    """verified, then routed (one per destination) and feedback accepted; or rejected and
    feedback rejected; or retried (library away) or dead_lettered (left to people). Empty for a
    message too broken to name."""
    envelope = outcome.envelope
    if envelope is None:
        return []

    def event(kind: str, destination: str | None, detail: str) -> JournalEvent:
        return JournalEvent(
            message_id=envelope.message_id,
            event=kind,
            at=outcome.at,
            source=envelope.source,
            record_type=envelope.record_type,
            correlation_id=envelope.correlation_id,
            destination=destination,
            credit_code=envelope.credit_code,
            attempt=outcome.attempt,
            detail=detail[:2000],
        )

    kind, place = _REVIEW_EVENTS[outcome.status]
    detail = outcome.detail
    if outcome.status == "rejected":
        detail = f"{', '.join(p.code for p in outcome.problems)}: {outcome.detail}"
    events = [event(kind, place, detail)]
    for destination in outcome.destinations:
        rules = sorted({m.rule for m in outcome.matches if m.destination == destination})
        events.append(event("routed", destination, ", ".join(rules)))
    if outcome.status in ("verified", "rejected"):
        status = "accepted" if outcome.status == "verified" else "rejected"
        events.append(event("feedback", envelope.source, status))
    return events


class JournalHooks(ExchangeObserver):
    """Callbacks for the worker, the delivery runners and the review verifier that feed one
    :class:`JournalWriter`."""

    def __init__(self, writer: JournalWriter) -> None:
        self.writer = writer

    def on_outcome(self, outcome: Outcome) -> None:
        # The records are made on the writer thread: the worker pays only for queuing.
        # Until then the writer holds the outcome: the input and its unified payload (counted
        # by weight), and the bodies of its outputs.
        records = len(outcome.destinations) + 4  # message, received, standardised, feedback
        outputs = sum(len(o.body) for o in outcome.outputs)
        self.writer.submit_later(functools.partial(outcome_records, outcome), size=records,
                                 nbytes=weight(len(outcome.inbound.body), records) + outputs)

    def on_backlog(self, busy: bool) -> None:
        self.writer.set_busy(busy)

    def on_review(self, outcome: ReviewOutcome) -> None:
        events = review_events(outcome)
        if events:
            self.writer.submit(events=events)

    def on_delivery(self, event: DeliveryEvent) -> None:
        record = delivery_record(event)
        if record is not None:
            self.writer.submit(events=[record])
