"""Writing messages and events: one transaction per batch, messages upserted, events appended."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import Connection, func, insert
from sqlalchemy.dialects import postgresql, sqlite

from hub.journal.records import JournalEvent, JournalMessage
from hub.journal.tables import EventRow, MessageRow

#: Message columns filled in once the input is standardised; the first non-null value stays.
COMPLETABLE = ("credit_code", "content_hash", "payload")

_MESSAGE_FIELDS = tuple(f.name for f in fields(JournalMessage))
_EVENT_FIELDS = tuple(f.name for f in fields(JournalEvent) if f.name != "id")


def record(
    connection: Connection, messages: Sequence[JournalMessage], events: Sequence[JournalEvent]
) -> None:
    """Store ``messages`` and ``events`` on ``connection``, inside the caller's transaction.

    A message already stored is not duplicated: only its still-empty completable columns
    (:data:`COMPLETABLE`) take the new values. Several versions of one message in the same
    batch are merged the same way first, because one upsert statement may not touch a row twice.
    """
    if messages:
        rows = _merged_message_rows(messages)
        connection.execute(_upsert_messages(connection.dialect.name), rows)
    if events:
        connection.execute(
            insert(EventRow),
            [{name: getattr(e, name) for name in _EVENT_FIELDS} for e in events],
        )


def _merged_message_rows(messages: Sequence[JournalMessage]) -> list[dict[str, Any]]:
    merged: dict[str, dict[str, Any]] = {}
    for message in messages:
        row = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
        row["headers"] = dict(message.headers)
        row["payload"] = None if message.payload is None else dict(message.payload)
        first = merged.get(message.message_id)
        if first is None:
            merged[message.message_id] = row
        else:
            for name in COMPLETABLE:
                if first[name] is None:
                    first[name] = row[name]
    return list(merged.values())


def _upsert_messages(dialect: str) -> Any:
    dialect_insert: Callable[..., Any] = (
        postgresql.insert if dialect == "postgresql" else sqlite.insert
    )
    statement = dialect_insert(MessageRow)
    table = MessageRow.__table__
    return statement.on_conflict_do_update(
        index_elements=[table.c.message_id],
        set_={
            name: func.coalesce(table.c[name], statement.excluded[name]) for name in COMPLETABLE
        },
    )

