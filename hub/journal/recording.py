"""Writing messages and events: one transaction per batch, messages upserted, events appended.

This is the journal's hot path (the writer thread runs it for every input the hub sees) and it
shares the interpreter lock with the pipeline, so it sends many rows per INSERT statement as
plain parameters through ``exec_driver_sql``. Per row, SQLAlchemy's statement execution, and
the drivers' ``executemany`` (a lock release per row on SQLite, a Python round per row in
psycopg), cost several times the work itself; tests/journal/bench_writer.py measures it. Values are encoded here exactly as the models' column types encode them, which the
round-trip tests hold to (a row written here must read back equal through the models).
Every text and JSON value is made safe for its column first (:mod:`hub.journal.bounded`): a
value too long, or holding a character the database refuses, is cut or replaced with a marker
rather than failing the batch it is in.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, String, Table, insert, select
from sqlalchemy.exc import DBAPIError

from hub.journal import chain
from hub.journal.bounded import fit, safe_json
from hub.journal.engine import json_serializer, record_json
from hub.journal.evidence import Evidence
from hub.journal.records import JournalEvent, JournalMessage, JsonText
from hub.journal.tables import EventRow, MessageRow, PersonRow

#: Message columns filled in once the input is standardised; the first non-null value stays.
COMPLETABLE = ("credit_code", "content_hash", "payload", "outcome")

#: Times are stored on SQLite as SQLAlchemy's DATETIME stores them, "2026-11-28 04:00:00.000000"
#: (UTC), so that the range queries, which compare these strings, see one format.

_MESSAGE_COLUMNS = (
    "message_id", "received_at", "source", "record_type", "routing_key", "content_type",
    "content_encoding", "source_message_id", "correlation_id", "credit_code", "content_hash",
    "headers", "body", "payload", "outcome", "body_size", "body_sha256", "key_id",
    "chain_seq", "chain_hash",
)  # fmt: skip
_EVENT_COLUMNS = (
    "message_id", "event", "at", "source", "destination", "record_type", "credit_code",
    "correlation_id", "attempt", "detail",
)  # fmt: skip



def _text_columns(table: Table, columns: tuple[str, ...]) -> tuple[tuple[int, int | None], ...]:
    """(position, length limit or None) of each text column among ``columns``: the values
    :func:`hub.journal.bounded.fit` makes safe before every insert."""
    types = [(i, table.c[name].type) for i, name in enumerate(columns)]
    return tuple((i, kind.length) for i, kind in types if isinstance(kind, String))


_MESSAGE_TEXT = _text_columns(MessageRow.__table__, _MESSAGE_COLUMNS)  # type: ignore[arg-type]
_EVENT_TEXT = _text_columns(EventRow.__table__, _EVENT_COLUMNS)  # type: ignore[arg-type]


def _fitted(row: tuple[Any, ...], text: tuple[tuple[int, int | None], ...]) -> tuple[Any, ...]:
    """``row`` with each text value fitted to its column (the same tuple when none changes)."""
    values: list[Any] | None = None
    for i, limit in text:
        value = row[i]
        safe = fit(value, limit)
        if safe is not value:
            if values is None:
                values = list(row)
            values[i] = safe
    return row if values is None else tuple(values)


#: Rows per INSERT statement on SQLite, within its limit of 32766 parameters per statement.
SQLITE_ROWS_PER_STATEMENT = 500

_COMPLETIONS = ", ".join(
    f"{c} = COALESCE(journal_messages.{c}, excluded.{c})" for c in COMPLETABLE
)
_INSERT_MESSAGES = f"INSERT INTO journal_messages ({', '.join(_MESSAGE_COLUMNS)}) "
_INSERT_EVENTS = f"INSERT INTO journal_events ({', '.join(_EVENT_COLUMNS)}) "
_ON_CONFLICT = f" ON CONFLICT (message_id) DO UPDATE SET {_COMPLETIONS}"
#: A chained row is written once: its first account is the evidence (hub.journal.evidence).
_ON_CONFLICT_KEEP = " ON CONFLICT (message_id) DO NOTHING"


class _Table(Enum):
    """Where rows go, and what an existing message row does with a second account of it."""

    MESSAGES = _ON_CONFLICT
    MESSAGES_ONCE = _ON_CONFLICT_KEEP
    EVENTS = ""

@functools.cache
def _sqlite_values(columns: int, rows: int) -> str:
    row = "(" + ", ".join("?" * columns) + ")"
    return "VALUES " + ", ".join([row] * rows)


def _sqlite_time(value: datetime) -> str:
    # isoformat is several times faster than strftime and gives the same text.
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _pg_time(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _insert_sqlite(connection: Connection, rows: list[tuple[Any, ...]], table: _Table) -> None:
    columns = len(rows[0])
    for start in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[start : start + SQLITE_ROWS_PER_STATEMENT]
        values = _sqlite_values(columns, len(chunk))
        if table is _Table.EVENTS:
            sql = _INSERT_EVENTS + values
        else:
            # "VALUES ... ON CONFLICT" needs no WHERE: only INSERT ... SELECT is ambiguous.
            sql = _INSERT_MESSAGES + values + table.value
        connection.exec_driver_sql(sql, tuple(itertools.chain.from_iterable(chunk)))


#: PostgreSQL loads rows with COPY, the cheapest way in for both client and server; messages
#: go through a per-session staging table, since COPY itself cannot resolve conflicts.
_PG_STAGING = "journal_messages_staging"
_PG_CREATE_STAGING = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_STAGING} "
    "(LIKE journal_messages) ON COMMIT DELETE ROWS"
)
_PG_COPY_MESSAGES = f"COPY {_PG_STAGING} ({', '.join(_MESSAGE_COLUMNS)}) FROM STDIN"
_PG_MERGE_MESSAGES = (
    f"INSERT INTO journal_messages ({', '.join(_MESSAGE_COLUMNS)}) "
    f"SELECT {', '.join(_MESSAGE_COLUMNS)} FROM {_PG_STAGING}"
)
_PG_COPY_EVENTS = f"COPY journal_events ({', '.join(_EVENT_COLUMNS)}) FROM STDIN"


def _insert_postgresql(connection: Connection, rows: list[tuple[Any, ...]], table: _Table) -> None:
    # The psycopg connection, inside the transaction SQLAlchemy began on it.
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        _copy_postgresql(driver, rows, table)
    except driver.Error as e:
        # As SQLAlchemy would raise it (IntegrityError, OperationalError, ...).
        raise DBAPIError.instance(
            "COPY", None, e, driver.Error, dialect=connection.dialect
        ) from e


def _copy_postgresql(driver: Any, rows: list[tuple[Any, ...]], table: _Table) -> None:
    messages = table is not _Table.EVENTS
    with driver.cursor() as cursor:
        if messages:
            # "Already exists" notices would be noise: the table lives as long as the session.
            cursor.execute("SET LOCAL client_min_messages = warning")
            cursor.execute(_PG_CREATE_STAGING)
        with cursor.copy(_PG_COPY_MESSAGES if messages else _PG_COPY_EVENTS) as copy:
            for row in rows:
                copy.write_row(row)
        if messages:
            cursor.execute(_PG_MERGE_MESSAGES + table.value)


@dataclass(frozen=True)
class _Dialect:
    time: Callable[[datetime], Any]
    insert: Callable[[Connection, list[tuple[Any, ...]], _Table], None]


_DIALECTS = {
    "sqlite": _Dialect(time=_sqlite_time, insert=_insert_sqlite),
    "postgresql": _Dialect(time=_pg_time, insert=_insert_postgresql),
}


def record(
    connection: Connection, messages: Sequence[JournalMessage], events: Sequence[JournalEvent],
    evidence: Evidence | None = None,
) -> None:
    """Store ``messages`` and ``events`` on ``connection``, inside the caller's transaction.

    Without ``evidence``, a message already stored is not duplicated: only its still-empty
    completable columns (:data:`COMPLETABLE`) take the new values. With it, messages are sealed,
    chained and written once (:mod:`hub.journal.evidence`). Several versions of one message in
    the same batch are merged first, because one statement may not touch a row twice.
    """
    dialect = _DIALECTS[connection.dialect.name]
    if messages and evidence is not None:
        _record_as_evidence(connection, dialect, _merged(messages), evidence)
    elif messages:
        rows = [_message_row(m, dialect) for m in _merged(messages)]
        dialect.insert(connection, rows, _Table.MESSAGES)
    if events:
        # The events of one input share its time: convert each distinct time once.
        times: dict[datetime, Any] = {}

        def time(value: datetime) -> Any:
            converted = times.get(value)
            if converted is None:
                converted = times[value] = dialect.time(value)
            return converted

        rows = [
            _fitted((
                e.message_id, e.event, time(e.at), e.source, e.destination, e.record_type,
                e.credit_code, e.correlation_id, e.attempt, e.detail,
            ), _EVENT_TEXT)
            for e in events
        ]
        dialect.insert(connection, rows, _Table.EVENTS)


def _merged(messages: Sequence[JournalMessage]) -> list[JournalMessage]:
    merged: dict[str, JournalMessage] = {}
    for message in messages:
        first = merged.get(message.message_id)
        if first is None:
            merged[message.message_id] = message
            continue
        missing = {c: getattr(message, c) for c in COMPLETABLE if getattr(first, c) is None}
        if missing:
            merged[message.message_id] = replace(first, **missing)
    return list(merged.values())


def _message_row(
    m: JournalMessage, dialect: _Dialect, seq: int | None = None, hash_: str | None = None
) -> tuple[Any, ...]:
    return _fitted((
        m.message_id, dialect.time(m.received_at), m.source, m.record_type, m.routing_key,
        m.content_type, m.content_encoding, m.source_message_id, m.correlation_id,
        m.credit_code, m.content_hash, _json(m.headers),
        bytes(m.body), None if m.payload is None else _json(m.payload),
        None if m.outcome is None else safe_json(record_json(m.outcome.document())),
        m.body_size, m.body_sha256, m.key_id, seq, hash_,
    ), _MESSAGE_TEXT)  # fmt: skip


def _record_as_evidence(
    connection: Connection, dialect: _Dialect, messages: list[JournalMessage], evidence: Evidence
) -> None:
    """Seal the messages not yet stored, link them into the messages chain, index the ID
    numbers they name, and sign the chain's head when a checkpoint is due."""
    keyring = evidence.keyring()
    head = chain.lock_head(connection, chain.MESSAGES)
    stored = _stored_ids(connection, [m.message_id for m in messages])
    rows: list[tuple[Any, ...]] = []
    persons: list[dict[str, str]] = []
    for message in messages:
        if message.message_id in stored:
            continue
        sealed = evidence.protection.seal(message, keyring)
        seq = head.seq + 1
        row = _message_row(sealed.message, dialect, seq)
        values = dict(zip(_MESSAGE_COLUMNS, row, strict=True))
        values["received_at"] = message.received_at
        head = chain.Head(seq, chain.link(head.hash, chain.content(values, chain.MESSAGE_LINKED)))
        rows.append((*row[:-1], head.hash))
        persons += [
            {"message_id": message.message_id, "digest": digest, "key_id": key_id}
            for digest, key_id in sealed.digests
        ]
    if rows:
        dialect.insert(connection, rows, _Table.MESSAGES_ONCE)
        if persons:
            connection.execute(insert(PersonRow), persons)
        chain.move_head(connection, chain.MESSAGES, head)
    if evidence.checkpoint_due(chain.MESSAGES, head):
        chain.write_checkpoint(connection, keyring.active_signing_key(), chain.MESSAGES, head,
                               datetime.now(UTC), "interval")
        evidence.checkpointed(chain.MESSAGES, head)


def _stored_ids(connection: Connection, ids: list[str]) -> set[str]:
    stored: set[str] = set()
    for start in range(0, len(ids), SQLITE_ROWS_PER_STATEMENT):
        chunk = ids[start : start + SQLITE_ROWS_PER_STATEMENT]
        stored.update(connection.scalars(
            select(MessageRow.message_id).where(MessageRow.message_id.in_(chunk))
        ))
    return stored


def _json(value: Mapping[str, Any] | JsonText) -> str:
    if isinstance(value, JsonText):
        return safe_json(str(value))
    # json.dumps encodes only real dicts as objects; any other mapping would hit default=str.
    return safe_json(json_serializer(value if isinstance(value, dict) else dict(value)))
