"""What the pipeline, the delivery runners and the review verifier tell the journal.

Pure functions from what happened (an input and its :class:`Outcome`, a
:class:`DeliveryEvent`, a :class:`ReviewOutcome`) to journal records; :class:`JournalHooks`
hands them to a :class:`JournalWriter`, which writes them in batches off the hot path (an
outcome's records are even made there, from a snapshot: see :func:`outcome_snapshot`).
"""

from __future__ import annotations

import functools
from typing import Any

from hub.delivery.runner import DeliveryEvent
from hub.journal import JournalEvent, JournalMessage, JournalWriter
from hub.journal.engine import json_serializer, record_json
from hub.journal.records import JsonText, PipelineOutcome, journaled_body
from hub.journal.writer import weight
from hub.observers.fanout import AckBarrier, ExchangeObserver
from hub.pipeline.processor import Outcome
from hub.review import ReviewOutcome, ReviewStatus
from schemas.contract.states import EventKind, OutcomeStatus
from schemas.contract.topology import QUARANTINE, REVIEW
from schemas.v1.feedback import FeedbackStatus

FEEDBACK_HEADER_VALUE = "feedback"


#: What the journal needs of one outcome (see :func:`outcome_snapshot`), in this order.
_SNAPSHOT_FIELDS = (
    "message_id", "received_at", "source", "record_type", "routing_key", "correlation_id",
    "body", "content_type", "content_encoding", "source_message_id", "headers", "credit_code",
    "content_hash", "payload", "status", "routes", "codes", "feedback", "body_size",
    "body_sha256",
)  # fmt: skip
_BODY = _SNAPSHOT_FIELDS.index("body")


def outcome_snapshot(outcome: Outcome, max_body_bytes: int | None = None) -> tuple[Any, ...]:
    """What the journal needs of one outcome, as strings, bytes, times and tuples of them (in
    the order of ``_SNAPSHOT_FIELDS``; headers and payload as JSON text). A body over
    ``max_body_bytes`` is kept as its head (:func:`journaled_body`).

    A tuple of such values is not tracked by Python's garbage collector (once a collection or
    two has looked at it), so the thousands of outcomes a burst leaves waiting for the writer
    cost no collection time; the outcomes themselves would (each holds dozens of objects:
    payload, outputs, route matches).
    """
    inbound = outcome.inbound
    routes: tuple[str, ...] = ()  # destination, its rules, destination, ...: flat, untracked sooner
    if outcome.status == OutcomeStatus.DELIVERED:
        routes = tuple(
            part
            for d in outcome.destinations
            for part in (d, ", ".join(sorted({m.rule for m in outcome.matches if m.destination == d})))
        )
    body, body_size, body_sha256 = journaled_body(inbound.body, max_body_bytes)
    return (
        outcome.message_id, outcome.received_at, outcome.source, outcome.record_type,
        inbound.routing_key, outcome.correlation_id, body, inbound.content_type,
        inbound.content_encoding, inbound.message_id, json_serializer(dict(inbound.headers)),
        outcome.credit_code, outcome.content_hash,
        None if outcome.payload is None else record_json(outcome.payload),
        # The status's plain value: an enum member is an object the collector tracks.
        outcome.status.value, routes, ", ".join(p.code for p in outcome.problems),
        any(o.headers.get("hub-record-type") == FEEDBACK_HEADER_VALUE for o in outcome.outputs),
        body_size, body_sha256,
    )  # fmt: skip


def snapshot_records(snapshot: tuple[Any, ...]) -> tuple[list[JournalMessage], list[JournalEvent]]:
    """The input as received (body kept for replay, with its unified form when there is one)
    and what the pipeline did with it: one message, whose :class:`PipelineOutcome` stands for
    its hop events (received, then standardised and routed, or rejected/review, and feedback
    when the source was sent some). No separate event rows: see :class:`PipelineOutcome`."""
    o = dict(zip(_SNAPSHOT_FIELDS, snapshot, strict=True))
    routes = o["routes"]
    message = JournalMessage(
        message_id=o["message_id"], received_at=o["received_at"], source=o["source"],
        record_type=o["record_type"], routing_key=o["routing_key"],
        correlation_id=o["correlation_id"], body=o["body"], content_type=o["content_type"],
        content_encoding=o["content_encoding"], source_message_id=o["source_message_id"],
        headers=JsonText(o["headers"]), credit_code=o["credit_code"],
        content_hash=o["content_hash"],
        payload=None if o["payload"] is None else JsonText(o["payload"]),
        outcome=PipelineOutcome(
            status=o["status"], routes=dict(zip(routes[::2], routes[1::2], strict=True)),
            # A delivered input's codes are notes (a refused reply_to): kept all the same.
            reasons=o["codes"],
        feedback=o["feedback"],
        ),
        body_size=o["body_size"], body_sha256=o["body_sha256"],
    )  # fmt: skip
    return [message], []


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
_REVIEW_EVENTS: dict[ReviewStatus, tuple[EventKind, str]] = {
    ReviewStatus.VERIFIED: (EventKind.VERIFIED, REVIEW),
    ReviewStatus.REJECTED: (EventKind.REJECTED, QUARANTINE),
    ReviewStatus.RETRIED: (EventKind.RETRIED, REVIEW),
    ReviewStatus.HANDED_OVER: (EventKind.DEAD_LETTERED, REVIEW),
}


def review_events(outcome: ReviewOutcome) -> list[JournalEvent]:
    """verified, then routed (one per destination) and feedback accepted; or rejected and
    feedback rejected; or retried (library away) or dead_lettered (left to people). Empty for a
    message too broken to name."""
    envelope = outcome.envelope
    if envelope is None:
        return []

    def event(kind: EventKind, destination: str | None, detail: str) -> JournalEvent:
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
    if outcome.status == ReviewStatus.REJECTED:
        detail = f"{', '.join(p.code for p in outcome.problems)}: {outcome.detail}"
    events = [event(kind, place, detail)]
    for destination in outcome.destinations:
        rules = sorted({m.rule for m in outcome.matches if m.destination == destination})
        events.append(event(EventKind.ROUTED, destination, ", ".join(rules)))
    if outcome.status in (ReviewStatus.VERIFIED, ReviewStatus.REJECTED):
        status: FeedbackStatus = "accepted" if outcome.status == ReviewStatus.VERIFIED else "rejected"
        events.append(event(EventKind.FEEDBACK, envelope.source, status))
    return events


class JournalHooks(ExchangeObserver):
    """Callbacks for the worker, the delivery runners and the review verifier that feed one
    :class:`JournalWriter`."""

    def __init__(
        self, writer: JournalWriter, *, max_body_bytes: int | None = None,
        commit_timeout: float = 30.0,
    ) -> None:
        """``max_body_bytes``: the hub's size limit; a larger input's body is journaled as its
        head, length and hash (:func:`journaled_body`). None keeps every body whole.
        ``commit_timeout``: how long the worker waits, before acking a batch, for its inputs'
        records to be committed; longer, and the batch is left to the broker to redeliver."""
        self.writer = writer
        self.max_body_bytes = max_body_bytes
        self.commit_timeout = commit_timeout
        self._last_input = 0

    def on_outcome(self, outcome: Outcome) -> None:
        # The records are made on the writer thread, from a snapshot the collector ignores.
        snapshot = outcome_snapshot(outcome, self.max_body_bytes)
        body = snapshot[_BODY]
        self._last_input = self.writer.submit_later(
            functools.partial(snapshot_records, snapshot), size=1, nbytes=weight(len(body), 1))

    def ack_barrier(self) -> AckBarrier:
        # Group commit: one wait for the whole batch, for its last input's record, which the
        # writer starts on at once (the worker goes on meanwhile with the next batch).
        ticket = self._last_input
        self.writer.want(ticket)
        return functools.partial(self.writer.wait_written, ticket, self.commit_timeout)

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
