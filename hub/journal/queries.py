"""Reading the journal: one message's trace, one entity's timeline, messages by filter.

Every function takes a connection and returns plain values from :mod:`hub.journal.records`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, and_, exists, func, or_, select

from hub.journal.records import JournalEvent, JournalMessage, MessageQuery
from hub.journal.tables import EventRow, MessageRow

_EVENT_COLUMNS = tuple(EventRow.__table__.c)
_MESSAGE_COLUMNS = tuple(MessageRow.__table__.c)


def trace(connection: Connection, message_id: str) -> list[JournalEvent]:
    """Every event of one message, oldest first (ties in the order they were recorded)."""
    query = (
        select(*_EVENT_COLUMNS)
        .where(EventRow.message_id == message_id)
        .order_by(EventRow.at, EventRow.id)
    )
    return [_event(row) for row in connection.execute(query)]


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
    if since is not None:
        query = query.where(EventRow.at >= since)
    if until is not None:
        query = query.where(EventRow.at < until)
    query = query.order_by(EventRow.at, EventRow.id)
    return [_event(row) for row in connection.execute(query)]


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


def find_messages(connection: Connection, query: MessageQuery) -> list[JournalMessage]:
    """The messages matching every filter set in ``query`` (see :class:`MessageQuery`)."""
    return [_message(row) for row in connection.execute(_message_select(query))]


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
        statement = statement.where(
            exists().where(EventRow.message_id == MessageRow.message_id, and_(*event_filters))
        )
    return statement.order_by(MessageRow.received_at, MessageRow.message_id).limit(query.limit)


def _event(row: Row[Any]) -> JournalEvent:
    return JournalEvent(**row._asdict())


def _message(row: Row[Any]) -> JournalMessage:
    values = row._asdict()
    # Drivers may hand back memoryview for binary columns; the API promises bytes.
    values["body"] = bytes(values["body"])
    return JournalMessage(**values)

