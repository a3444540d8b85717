"""Reading the journal: one message's trace, one entity's timeline, messages by filter.

Every function takes a connection and returns plain values from :mod:`hub.journal.records`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    exists,
    false,
    func,
    or_,
    select,
)

from hub.journal.records import (
    QUARANTINE_PLACE,
    REVIEW_PLACE,
    JournalEvent,
    JournalMessage,
    MessageQuery,
    PipelineOutcome,
    truncation_note,
)
from hub.journal.tables import ChainCheckpointRow, EventRow, MessageRow, PersonRow
from schemas.contract.states import EventKind, OutcomeStatus

_EVENT_COLUMNS = tuple(EventRow.__table__.c)
_MESSAGE_COLUMNS = tuple(
    c for c in MessageRow.__table__.c if c.name not in ("chain_seq", "chain_hash")
)
#: What a message row says of its pipeline hops, without its body, headers or payload.
_RECEIPT_COLUMNS = (
    MessageRow.message_id, MessageRow.received_at, MessageRow.source, MessageRow.record_type,
    MessageRow.correlation_id, MessageRow.credit_code, MessageRow.outcome,
    MessageRow.payload.is_not(None).label("standardised"),
    MessageRow.body_size, MessageRow.body_sha256,
    func.length(MessageRow.body).label("body_kept"),
)


def trace(connection: Connection, message_id: str) -> list[JournalEvent]:
    """Every event of one message, oldest first (ties in the order they were recorded; the
    pipeline's own hops, kept in the message row, come first among events of their moment)."""
    query = (
        select(*_EVENT_COLUMNS)
        .where(EventRow.message_id == message_id)
        .order_by(EventRow.at, EventRow.id)
    )
    recorded = [_event(row) for row in connection.execute(query)]
    stored = message(connection, message_id)
    return _in_time_order(stored.pipeline_events() if stored else [], recorded)


def message(connection: Connection, message_id: str) -> JournalMessage | None:
    """The stored message, or None when the journal has no such message (or purged it)."""
    row = connection.execute(
        select(*_MESSAGE_COLUMNS).where(MessageRow.message_id == message_id)
    ).first()
    return None if row is None else _message(row)


def timeline(
    connection: Connection,
    credit_code: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[JournalEvent]:
    """Everything that happened to one entity's records, across all sources, oldest first.

    An event belongs to the entity when it carries the credit code, or when its message was
    filed under it: the ``received`` event of a record precedes its standardisation, which is
    when the code becomes known. ``since`` is inclusive, ``until`` exclusive, both on ``at``.
    """
    filed = select(MessageRow.message_id).where(MessageRow.credit_code == credit_code)
    query = select(*_EVENT_COLUMNS).where(
        or_(EventRow.credit_code == credit_code, EventRow.message_id.in_(filed))
    )
    hops = select(*_RECEIPT_COLUMNS).where(
        MessageRow.credit_code == credit_code, MessageRow.outcome.is_not(None)
    )
    if since is not None:
        query = query.where(EventRow.at >= since)
        hops = hops.where(MessageRow.received_at >= since)
    if until is not None:
        query = query.where(EventRow.at < until)
        hops = hops.where(MessageRow.received_at < until)
    query = query.order_by(EventRow.at, EventRow.id)
    hops = hops.order_by(MessageRow.received_at, MessageRow.message_id)
    recorded = [_event(row) for row in connection.execute(query)]
    folded = [event for row in connection.execute(hops) for event in _pipeline_events(row)]
    return _in_time_order(folded, recorded)


def last_received(connection: Connection, sources: Iterable[str]) -> dict[str, datetime]:
    """The latest ``received_at`` of each source that has messages; one indexed lookup each."""
    latest = {}
    for source in sources:
        moment = connection.scalar(
            select(func.max(MessageRow.received_at)).where(MessageRow.source == source)
        )
        if moment is not None:
            latest[source] = moment
    return latest


def find_messages(
    connection: Connection, query: MessageQuery, person_digests: Sequence[str] = ()
) -> list[JournalMessage]:
    """The messages matching every filter set in ``query`` (see :class:`MessageQuery`);
    ``query.person_id`` is matched by ``person_digests``, its digests under each digest key."""
    statement = _message_select(query)
    if query.person_id is not None:
        named = select(PersonRow.message_id).where(PersonRow.digest.in_(list(person_digests)))
        statement = statement.where(MessageRow.message_id.in_(named))
    return [_message(row) for row in connection.execute(statement)]


def _message_select(query: MessageQuery) -> Select[Any]:
    statement = select(*_MESSAGE_COLUMNS)
    if query.message_ids is not None:
        statement = statement.where(MessageRow.message_id.in_(list(query.message_ids)))
    if query.since is not None:
        statement = statement.where(MessageRow.received_at >= query.since)
    if query.until is not None:
        statement = statement.where(MessageRow.received_at < query.until)
    for column, value in (
        (MessageRow.source, query.source),
        (MessageRow.record_type, query.record_type),
        (MessageRow.credit_code, query.credit_code),
    ):
        if value is not None:
            statement = statement.where(column == value)
    event_filters = []
    if query.destination is not None:
        event_filters.append(EventRow.destination == query.destination)
    if query.event is not None:
        event_filters.append(EventRow.event == query.event)
    if event_filters:
        recorded = exists().where(EventRow.message_id == MessageRow.message_id, *event_filters)
        statement = statement.where(
            or_(recorded, _has_pipeline_event(query.event, query.destination))
        )
    return statement.order_by(MessageRow.received_at, MessageRow.message_id).limit(query.limit)


def _has_pipeline_event(event: EventKind | None, destination: str | None) -> ColumnElement[bool]:
    """Whether a message's row holds a pipeline hop (see :class:`PipelineOutcome`) of kind
    ``event`` (any when None) at ``destination`` (any when None): the same question the
    filter asks of recorded events, asked of the row."""
    outcome = MessageRow.outcome
    status = outcome["status"].as_string()
    placed: dict[EventKind, tuple[ColumnElement[bool], str | None]] = {
        # kind -> (the row holds such a hop, its destination)
        EventKind.RECEIVED: (outcome.is_not(None), None),
        EventKind.STANDARDISED: (outcome.is_not(None) & MessageRow.payload.is_not(None), None),
        EventKind.REVIEW: (status == OutcomeStatus.REVIEW, REVIEW_PLACE),
        EventKind.REJECTED: (status == OutcomeStatus.REJECTED, QUARANTINE_PLACE),
    }
    matches: list[ColumnElement[bool]] = []
    for kind, (held, place) in placed.items():
        if event in (None, kind) and destination in (None, place):
            matches.append(held)
    if event in (None, EventKind.ROUTED):
        if destination is None:
            matches.append(status == OutcomeStatus.DELIVERED)
        elif '"' not in destination:  # no system's name has one; a JSON path could not say it
            matches.append(outcome[("routes", destination)].as_string().is_not(None))
    if event in (None, EventKind.FEEDBACK):
        feedback = outcome["feedback"].as_boolean()
        if destination is not None:
            feedback = feedback & (MessageRow.source == destination)
        matches.append(feedback)
    return or_(false(), *matches)


def _pipeline_events(row: Row[Any]) -> list[JournalEvent]:
    return PipelineOutcome.from_document(row.outcome).events(
        message_id=row.message_id, received_at=row.received_at, source=row.source,
        record_type=row.record_type, correlation_id=row.correlation_id,
        credit_code=row.credit_code, standardised=row.standardised,
        received_detail="" if row.body_sha256 is None
        else truncation_note(row.body_kept, row.body_size, row.body_sha256),
    )


def _in_time_order(folded: list[JournalEvent], recorded: list[JournalEvent]) -> list[JournalEvent]:
    """Both lists merged by time; at equal times the pipeline's hops first (the sort is
    stable, and each list is in order already)."""
    return sorted(folded + recorded, key=lambda event: event.at)


def _event(row: Row[Any]) -> JournalEvent:
    return JournalEvent(**row._asdict())


def _message(row: Row[Any]) -> JournalMessage:
    values = row._asdict()
    # Drivers may hand back memoryview for binary columns; the API promises bytes.
    values["body"] = bytes(values["body"])
    if values["outcome"] is not None:
        values["outcome"] = PipelineOutcome.from_document(values["outcome"])
    return JournalMessage(**values)



def key_usage(connection: Connection) -> dict[str, int]:
    """Rows per key id: sealed messages, indexed ID numbers and signed checkpoints."""
    usage: dict[str, int] = {}
    for column in (MessageRow.key_id, PersonRow.key_id, ChainCheckpointRow.key_id):
        query = select(column, func.count()).where(column.is_not(None)).group_by(column)
        for key_id, count in connection.execute(query):
            if key_id is not None:
                usage[key_id] = usage.get(key_id, 0) + count
    return usage
