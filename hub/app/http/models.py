"""Request and response bodies of the HTTP admin API (pydantic, unknown keys rejected).

Bodies carry shape and bounds only; the rules of the operations themselves (a non-blank reason,
a known destination) stay in :class:`hub.admin.operations.AdminOps`, so the CLI and the API
cannot drift apart. Times are ISO 8601 with a UTC offset; naive times are refused because the
journal cannot tell which zone they meant.

Every input is bounded (422 beyond): strings by length and free of control characters (a NUL
would fail in the journal's database, after the fact), lists by count, ``limit`` by
:data:`MAX_REPLAY_LIMIT`, ``rate`` by :data:`MIN_RATE` and :data:`MAX_RATE` (finite). Safety flags (``dry_run``,
``all``) are strict booleans: ``0``, ``"false"`` or ``null`` is refused, never read as false.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from hub.admin.dead_letters import DeadLetter
from hub.admin.operations import (
    MAX_RATE,
    MAX_REASON_LENGTH,
    MAX_REPLAY_LIMIT,
    MIN_RATE,
    ActionResult,
)
from hub.app.http.error_responses import ERROR_CODES
from hub.journal import EVENT_KINDS, AuditEntry, JournalEvent, MessageQuery, event_kind

#: Most message ids one request may name.
MAX_IDS = 1000
#: Longest identifier (message id, system id, credit code, record type) accepted.
MAX_NAME_LENGTH = 200

#: No control characters (C0, DEL, C1): they have no place in a name or a reason, and a NUL
#: cannot be stored by PostgreSQL.
NO_CONTROLS = r"^[^\x00-\x1f\x7f-\x9f]*$"

#: An identifier in a body, path or query: bounded, printable.
Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NO_CONTROLS)]
#: A reason for the audit trail: one printable line.
Reason = Annotated[str, StringConstraints(max_length=MAX_REASON_LENGTH, pattern=NO_CONTROLS)]

_REASON = "Why (mandatory, must not be blank); kept in the audit trail."
_RATE = (f"Messages per second at most ({MIN_RATE:g} to {MAX_RATE:g}), so a destination is not "
         "flooded.")
_DRY_RUN = "Only report what would happen; change nothing (still audited). true or false only."


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RetryRequest(_Body):
    """Retry some dead letters of a destination: ``message_ids`` or ``all``, not both."""

    message_ids: list[Name] | None = Field(
        default=None, min_length=1, max_length=MAX_IDS, description="Dead letters to retry, by message id."
    )
    all: StrictBool = Field(
        default=False, description="Retry every dead letter (of credit_code, if given)."
    )
    credit_code: Name | None = Field(default=None, description="Only records filed under this code.")
    reason: Reason = Field(description=_REASON)
    rate: float = Field(default=10.0, ge=MIN_RATE, le=MAX_RATE, allow_inf_nan=False, description=_RATE)
    dry_run: StrictBool = Field(default=False, description=_DRY_RUN)

    @model_validator(mode="after")
    def _ids_or_all(self) -> Self:
        if (self.message_ids is not None) == self.all:
            raise ValueError("give message_ids or all=true, not both and not neither")
        return self


class ReplayRequest(_Body):
    """Replay journaled inputs through the whole pipeline; unset filters do not filter."""

    message_ids: list[Name] | None = Field(
        default=None, min_length=1, max_length=MAX_IDS,
        description="Inputs to replay, by the hub's message id.",
    )
    since: AwareDatetime | None = Field(default=None, description="Received at or after.")
    until: AwareDatetime | None = Field(default=None, description="Received before.")
    source: Name | None = Field(default=None, description="Sent by this source system.")
    destination: Name | None = Field(
        default=None, description="Had an event at this destination (with event: that event)."
    )
    event: Name | None = Field(
        default=None, description=f"Had an event of this kind: one of {', '.join(EVENT_KINDS)}."
    )
    record_type: Name | None = Field(default=None, description="Of this record type.")
    credit_code: Name | None = Field(default=None, description="Filed under this credit code.")
    limit: int = Field(
        default=1000, gt=0, le=MAX_REPLAY_LIMIT,
        description=f"Replay at most this many inputs (up to {MAX_REPLAY_LIMIT}), oldest first.",
    )
    reason: Reason = Field(description=_REASON)
    rate: float = Field(default=10.0, ge=MIN_RATE, le=MAX_RATE, allow_inf_nan=False, description=_RATE)
    dry_run: StrictBool = Field(default=False, description=_DRY_RUN)

    @model_validator(mode="after")
    def _valid_query(self) -> Self:
        self.query()  # MessageQuery owns the rules (known event kinds); its ValueError -> 422
        return self

    def query(self) -> MessageQuery:
        return MessageQuery(
            message_ids=self.message_ids, since=self.since, until=self.until, source=self.source,
            destination=self.destination, record_type=self.record_type,
            credit_code=self.credit_code,
            event=None if self.event is None else event_kind(self.event), limit=self.limit,
        )


class PersonRequest(_Body):
    """A lookup of a person's records by ID number: in the body, never in a URL that access
    logs would keep."""

    id_number: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=NO_CONTROLS)] = (
        Field(description="The person's ID number (身份证 or another document's).")
    )
    reason: Reason = Field(description=_REASON)
    unmask: StrictBool = Field(default=False, description="Show personal data whole.")
    limit: int = Field(default=100, gt=0, le=MAX_REPLAY_LIMIT, description="Most records returned.")


class ActionOut(_Body):
    """What a retry or replay did, or in a dry run would do."""

    action: str = Field(description="retry-dead-letters or replay.")
    dry_run: bool = Field(description="True if nothing was changed.")
    affected: int = Field(description="How many messages were (or would be) sent again.")
    message_ids: list[str] = Field(description="Their message ids.")

    @classmethod
    def of(cls, result: ActionResult) -> ActionOut:
        return cls.model_validate(result.as_dict())


class DeadLetterOut(_Body):
    """One dead letter as the delivery runner described it."""

    queue: str = Field(description="The dead-letter queue, hub.out.<destination>.dead.")
    message_id: str | None = Field(description="The envelope's message id.")
    destination: str | None = Field(description="The destination that refused it.")
    source: str | None = Field(description="The source system of the record.")
    record_type: str | None = Field(description="The record type.")
    credit_code: str | None = Field(description="The entity's Unified Social Credit Code.")
    reason: str | None = Field(description="Reason code, e.g. delivery.refused.")
    attempts: int | None = Field(description="Delivery attempts made.")
    first_failure_at: str | None = Field(description="When delivery first failed (ISO 8601).")
    last_failure_at: str | None = Field(description="When delivery last failed (ISO 8601).")
    last_error: str | None = Field(description="The destination's last answer or error.")

    @classmethod
    def of(cls, letter: DeadLetter) -> DeadLetterOut:
        return cls.model_validate(letter.as_dict())


class DeadLetterDetail(DeadLetterOut):
    """One dead letter with its body."""

    body: str = Field(
        description="The envelope as UTF-8 JSON, personal data masked; unmasked (an officer's "
        "request), the text as it is, or a byte count if it is not text."
    )
    masked: bool = Field(description="True unless an officer asked for it unmasked.")

    @classmethod
    def of_shown(cls, shown: dict[str, Any]) -> DeadLetterDetail:
        return cls.model_validate(shown)


class MessageOut(_Body):
    """One input as the journal keeps it."""

    message_id: str = Field(description="The hub's message id.")
    received_at: AwareDatetime = Field(description="When the hub received it.")
    source: str = Field(description="The source system.")
    record_type: str = Field(description="The record type.")
    credit_code: str | None = Field(description="The entity's credit code, once known.")
    content_hash: str | None = Field(description="The idempotency key, once standardised.")
    key_id: str | None = Field(description="The data key that seals it in the journal.")
    payload: dict[str, Any] | None = Field(
        description="The record in the unified standard; personal data masked unless unmasked."
    )
    body: str = Field(description="What the source sent: masked JSON, or withheld, unless unmasked.")
    body_truncated: bool = Field(description="True if only the head of the body was kept.")
    masked: bool = Field(description="True unless an officer asked for it unmasked.")


class EventOut(_Body):
    """One hop of one message, from the journal."""

    message_id: str = Field(description="The hub's message id.")
    event: str = Field(description=f"One of {', '.join(EVENT_KINDS)}.")
    at: AwareDatetime = Field(description="When it happened.")
    source: str = Field(description="The source system.")
    record_type: str = Field(description="The record type.")
    correlation_id: str = Field(description="Correlation id, kept from the source.")
    destination: str | None = Field(description="The system or queue the event concerns.")
    credit_code: str | None = Field(description="The entity's credit code, once known.")
    attempt: int | None = Field(description="Delivery attempt, for delivery events.")
    detail: str = Field(description="Reason codes, rule ids or the last error.")

    @classmethod
    def of(cls, event: JournalEvent) -> EventOut:
        data = asdict(event)
        data.pop("id")  # the journal's row id means nothing to a caller
        return cls.model_validate(data)


class AuditOut(_Body):
    """One administrator action from the audit trail."""

    at: AwareDatetime = Field(description="When.")
    actor: str = Field(description="Who (the actor whose token was used).")
    action: str = Field(description="What: retry-dead-letters, replay or unmask.")
    reason: str = Field(description="Why.")
    affected: int = Field(description="How many messages.")
    dry_run: bool = Field(description="True if nothing was changed.")
    parameters: dict[str, Any] = Field(description="The action's filters and options.")

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(at=entry.at, actor=entry.actor, action=entry.action, reason=entry.reason,
                   affected=entry.affected, dry_run=entry.dry_run, parameters=dict(entry.parameters))


class ErrorDetail(_Body):
    code: str = Field(description=f"Machine-readable: one of {', '.join(ERROR_CODES)}.")
    message: str = Field(description="For a person.")
    fields: list[dict[str, Any]] | None = Field(
        default=None, description="For validation_error: where and what (loc, msg, type)."
    )


class ErrorOut(_Body):
    """Every error response: ``{"error": {"code": ..., "message": ...}}``."""

    error: ErrorDetail
