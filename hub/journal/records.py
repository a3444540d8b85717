"""The journal's plain values: what goes in and what comes out. No SQLAlchemy here.

Every value checks its own invariants at construction, so a bad value fails in the caller's
hands (where the stack trace is useful) and never later in the writer thread, where it would
block the batch it sits in.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas.contract.states import EventKind, OutcomeStatus

#: Every kind of hop event, in roughly the order a message meets them.
EVENT_KINDS: tuple[EventKind, ...] = tuple(EventKind)


def _require_aware(name: str, value: datetime | None) -> None:
    # Naive datetimes are ambiguous across hosts in different zones; the journal stores UTC.
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def event_kind(kind: str) -> EventKind:
    """``kind`` as an :class:`EventKind`; ValueError naming the known kinds if it is none."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown journal event {kind!r}; known: {', '.join(EVENT_KINDS)}")
    return EventKind(kind)


@dataclass(frozen=True)
class JournalEvent:
    """One hop of one message: what happened, when, where.

    ``at`` must be timezone-aware. ``destination`` names the system or queue the event concerns
    (routed, delivered, failed, ...). ``detail`` carries reason codes, rule ids or the last
    error. ``id`` is assigned by the journal and ignored by :meth:`Journal.record`: recording an
    event appends a new one.
    """

    message_id: str
    event: EventKind
    at: datetime
    source: str
    record_type: str
    correlation_id: str
    destination: str | None = None
    credit_code: str | None = None
    attempt: int | None = None
    detail: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        # Rows read back carry the kind as a plain string: made a member here, so every event
        # holds the same type whichever way it was made.
        object.__setattr__(self, "event", event_kind(self.event))
        _require_aware("at", self.at)


class JsonText(str):
    """A JSON document already encoded (by :mod:`hub.journal.engine`'s encoders), which
    the journal stores as it is. Holding records this way costs no garbage-collector time
    while they wait for the writer: a string is not tracked, a dict and its contents are."""

    __slots__ = ()


def decoded(value: Mapping[str, Any] | JsonText) -> Mapping[str, Any]:
    """``value`` as a mapping, decoding it if it is still :class:`JsonText` (only a record
    not yet written can be; what the journal reads back is always decoded)."""
    if isinstance(value, JsonText):
        loaded: Mapping[str, Any] = json.loads(value)
        return loaded
    return value


#: What the pipeline can make of an input (:attr:`PipelineOutcome.status`).
PIPELINE_STATUSES: tuple[OutcomeStatus, ...] = tuple(OutcomeStatus)
#: Where a held or quarantined input goes, as the destination of its review/rejected event.
REVIEW_PLACE = "review"
QUARANTINE_PLACE = "quarantine"


@dataclass(frozen=True)
class PipelineOutcome:
    """What the pipeline did with one input when it received it: the hops it stands for are
    stored once, in the message's row, rather than as four or five event rows (the journal's
    largest cost per input); :meth:`events` gives them back.

    ``status`` is ``delivered`` (routed to every destination in ``routes``, which maps each to
    the ids of the rules that chose it, comma-separated), ``review`` (held for the legal-entity
    library's check) or ``rejected`` (quarantined). ``reasons`` are the problem codes,
    comma-separated; ``feedback`` tells whether the source was sent feedback.
    """

    status: OutcomeStatus
    routes: Mapping[str, str] = field(default_factory=dict)
    reasons: str = ""
    feedback: bool = False

    def __post_init__(self) -> None:
        if self.status not in PIPELINE_STATUSES:
            raise ValueError(
                f"unknown pipeline status {self.status!r}; known: {', '.join(PIPELINE_STATUSES)}"
            )
        # A stored document's status is a plain string: made a member, like JournalEvent.event.
        object.__setattr__(self, "status", OutcomeStatus(self.status))
        if self.routes and self.status != OutcomeStatus.DELIVERED:
            raise ValueError(f"an input with status {self.status!r} has no routes")

    def document(self) -> dict[str, Any]:
        """As stored: a JSON object with the four fields (:meth:`from_document` reads it)."""
        return {"status": self.status, "routes": dict(self.routes), "reasons": self.reasons,
                "feedback": self.feedback}

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> PipelineOutcome:
        return cls(document["status"], document.get("routes") or {},
                   document.get("reasons", ""), bool(document.get("feedback")))

    def hops(self, source: str, *, standardised: bool, received_detail: str = ""
             ) -> list[tuple[EventKind, str | None, str]]:
        """(kind, destination, detail) of each hop this outcome stands for, in the order the
        pipeline met them: received (with ``received_detail``); standardised (when the input
        has a unified form); routed, one per destination in name order, or review, or rejected;
        then feedback to ``source``."""
        hops: list[tuple[EventKind, str | None, str]] = [
            (EventKind.RECEIVED, None, received_detail)
        ]
        if standardised:
            hops.append((EventKind.STANDARDISED, None, ""))
        if self.status == OutcomeStatus.DELIVERED:
            hops.extend((EventKind.ROUTED, d, self.routes[d]) for d in sorted(self.routes))
        elif self.status == OutcomeStatus.REVIEW:
            hops.append((EventKind.REVIEW, REVIEW_PLACE, self.reasons))
        else:
            hops.append((EventKind.REJECTED, QUARANTINE_PLACE, self.reasons))
        if self.feedback:
            # The detail is the outcome's status (as stored: its plain value).
            hops.append((EventKind.FEEDBACK, source, self.status))
        return hops

    def events(
        self, *, message_id: str, received_at: datetime, source: str, record_type: str,
        correlation_id: str, credit_code: str | None, standardised: bool,
        received_detail: str = "",
    ) -> list[JournalEvent]:
        """:meth:`hops` as the journal events of one message, all at ``received_at``."""
        return [
            JournalEvent(
                message_id=message_id, event=kind, at=received_at, source=source,
                record_type=record_type, correlation_id=correlation_id,
                destination=destination, credit_code=credit_code, detail=detail,
            )
            for kind, destination, detail in self.hops(
                source, standardised=standardised, received_detail=received_detail)
        ]


#: How much of a body over the size limit the journal keeps: its first this many bytes, with
#: the full length and SHA-256 beside them (:func:`journaled_body`).
BODY_HEAD_BYTES = 4096


def journaled_body(body: bytes, max_body_bytes: int | None) -> tuple[bytes, int | None, str | None]:
    """The body as the journal keeps it, and the original's length and SHA-256 when cut: a
    body over ``max_body_bytes`` (the hub's size limit; None: no limit) is kept as its first
    :data:`BODY_HEAD_BYTES` bytes, so a hostile sender cannot fill the journal (the broker's
    quarantine copy keeps it whole)."""
    if max_body_bytes is None or len(body) <= max_body_bytes:
        return body, None, None
    return body[:BODY_HEAD_BYTES], len(body), hashlib.sha256(body).hexdigest()


def truncation_note(kept: int, size: int, sha256: str) -> str:
    """What the ``received`` hop of a message whose body was journaled as a head says."""
    return (f"body over the size limit, journaled truncated: its first {kept} of {size} bytes, "
            f"sha256 {sha256}")


@dataclass(frozen=True)
class JournalMessage:
    """One input as the hub received it, keyed by the hub's ``message_id``.

    ``body`` is the original bytes, kept for replay. ``headers`` are stored as JSON; a value JSON
    cannot hold (bytes, a date) is stored as its ``str()``. ``credit_code``, ``content_hash``
    and ``payload`` are known once the input is standardised: recording the message again with
    them filled in completes the stored row, and a value once stored is never overwritten.
    ``headers`` and ``payload`` may be given already encoded, as :class:`JsonText`; read back,
    they are mappings. ``outcome`` is what the pipeline did with the input: the journal's
    readers (trace, timeline, filters, reports) treat the events it stands for exactly like
    recorded ones. Like the completable columns, it is kept once stored.

    ``body_size`` and ``body_sha256`` are set only when ``body`` is a head of the original
    (:func:`journaled_body`, for a body over the hub's size limit): then they are the original's
    length and SHA-256 (hex), :attr:`body_truncated` is true, the ``received`` hop says so and
    the message cannot be replayed from the journal (the broker's quarantine copy holds it).

    ``key_id`` names the data key that sealed the stored body and personal fields
    (:mod:`hub.journal.protection`); the journal's readers hand the message back opened. When
    their keyring lacks that key, ``body_readable`` is False: ``body`` is still sealed and the
    personal fields read as a marker; such a message cannot be replayed or shown unmasked.
    """

    message_id: str
    received_at: datetime
    source: str
    record_type: str
    routing_key: str
    correlation_id: str
    body: bytes
    content_type: str | None = None
    content_encoding: str | None = None
    source_message_id: str | None = None
    headers: Mapping[str, Any] | JsonText = field(default_factory=dict)
    credit_code: str | None = None
    content_hash: str | None = None
    payload: Mapping[str, Any] | JsonText | None = None
    outcome: PipelineOutcome | None = None
    body_size: int | None = None
    body_sha256: str | None = None
    key_id: str | None = None
    body_readable: bool = True

    def __post_init__(self) -> None:
        _require_aware("received_at", self.received_at)
        if (self.body_size is None) != (self.body_sha256 is None):
            raise ValueError("body_size and body_sha256 are given together or not at all")

    @property
    def body_truncated(self) -> bool:
        """Whether :attr:`body` is only the head of what the hub received."""
        return self.body_sha256 is not None

    def pipeline_events(self) -> list[JournalEvent]:
        """The hop events :attr:`outcome` stands for (none without one)."""
        if self.outcome is None:
            return []
        return self.outcome.events(
            message_id=self.message_id, received_at=self.received_at, source=self.source,
            record_type=self.record_type, correlation_id=self.correlation_id,
            credit_code=self.credit_code, standardised=self.payload is not None,
            received_detail=self.receipt_detail(),
        )

    def receipt_detail(self) -> str:
        """The ``received`` hop's detail: empty, or the truncation of the body."""
        if self.body_size is None or self.body_sha256 is None:
            return ""
        return truncation_note(len(self.body), self.body_size, self.body_sha256)


@dataclass(frozen=True)
class AuditEntry:
    """One administrator action: who, when, what, why, with which parameters, how many.

    ``reason`` is mandatory: an action nobody can explain later is not allowed. ``affected`` is
    how many messages the action touched, or would have touched when ``dry_run`` is set.
    """

    actor: str
    action: str
    reason: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    affected: int = 0
    dry_run: bool = False
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    id: int | None = None

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError("an audit entry needs a non-empty reason")
        if not self.actor.strip() or not self.action.strip():
            raise ValueError("an audit entry needs an actor and an action")
        if self.affected < 0:
            raise ValueError(f"affected must be >= 0, got {self.affected}")
        _require_aware("at", self.at)


@dataclass(frozen=True)
class MessageQuery:
    """Which messages :meth:`Journal.find_messages` returns; unset fields do not filter.

    Every set filter must hold (AND). ``since``/``until`` bound ``received_at`` (since
    inclusive, until exclusive). ``destination`` and ``event`` select messages with at least
    one such event; when both are set, the same event must match both (e.g. ``failed`` at
    ``tax``), which is what a replay of one destination's failures needs. Results are ordered
    by ``received_at`` then ``message_id``, at most ``limit`` of them. ``person_id`` selects the
    messages naming a natural person by ID number, found through its keyed digest (the
    journal's keyring must hold the digest key; see :mod:`hub.journal.protection`).
    """

    message_ids: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    destination: str | None = None
    record_type: str | None = None
    credit_code: str | None = None
    event: EventKind | None = None
    person_id: str | None = None
    limit: int = 1000

    def __post_init__(self) -> None:
        if self.limit <= 0:
            raise ValueError(f"limit must be > 0, got {self.limit}")
        if self.event is not None:
            object.__setattr__(self, "event", event_kind(self.event))
        _require_aware("since", self.since)
        _require_aware("until", self.until)
