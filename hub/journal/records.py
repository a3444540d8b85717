"""The journal's plain values: what goes in and what comes out. No SQLAlchemy here.

Every value checks its own invariants at construction, so a bad value fails in the caller's
hands (where the stack trace is useful) and never later in the writer thread, where it would
block the batch it sits in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

#: Every kind of hop event, in roughly the order a message meets them.
EVENT_KINDS = (
    "received",
    "rejected",
    "standardised",
    "routed",
    "review",
    "verified",
    "feedback",
    "delivered",
    "duplicate",
    "retried",
    "failed",
    "dead_lettered",
    "replayed",
)


def _require_aware(name: str, value: datetime | None) -> None:
    # Naive datetimes are ambiguous across hosts in different zones; the journal stores UTC.
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _require_kind(kind: str) -> None:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown journal event {kind!r}; known: {', '.join(EVENT_KINDS)}")


@dataclass(frozen=True)
class JournalEvent:
    """One hop of one message: what happened, when, where.

    ``at`` must be timezone-aware. ``destination`` names the system or queue the event concerns
    (routed, delivered, failed, ...). ``detail`` carries reason codes, rule ids or the last
    error. ``id`` is assigned by the journal and ignored by :meth:`Journal.record`: recording an
    event appends a new one.
    """

    message_id: str
    event: str
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
        _require_kind(self.event)
        _require_aware("at", self.at)


class JsonText(str):
    """A JSON document already encoded (by :data:`hub.journal.engine.json_serializer`), which
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


@dataclass(frozen=True)
class JournalMessage:
    """One input as the hub received it, keyed by the hub's ``message_id``.

    ``body`` is the original bytes, kept for replay. ``headers`` are stored as JSON; a value JSON
    cannot hold (bytes, a date) is stored as its ``str()``. ``credit_code``, ``content_hash``
    and ``payload`` are known once the input is standardised: recording the message again with
    them filled in completes the stored row, and a value once stored is never overwritten.
    ``headers`` and ``payload`` may be given already encoded, as :class:`JsonText`; read back,
    they are mappings.
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

    def __post_init__(self) -> None:
        _require_aware("received_at", self.received_at)


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
    by ``received_at`` then ``message_id``, at most ``limit`` of them.
    """

    message_ids: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    destination: str | None = None
    record_type: str | None = None
    credit_code: str | None = None
    event: str | None = None
    limit: int = 1000

    def __post_init__(self) -> None:
        if self.limit <= 0:
            raise ValueError(f"limit must be > 0, got {self.limit}")
        if self.event is not None:
            _require_kind(self.event)
        _require_aware("since", self.since)
        _require_aware("until", self.until)
