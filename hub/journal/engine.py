"""Engines for the journal's two backends, and the transactions the journal runs on them.

- ``sqlite:///path/journal.sqlite``: the embedded default. WAL mode, so readers in other
  processes (``hub trace``) never block the writer thread nor are blocked by it; a busy timeout,
  so two writers wait for each other instead of failing at once.
- ``postgresql+psycopg://user@host/db`` (``postgresql://`` means the same): production.

Write transactions on SQLite start with ``BEGIN IMMEDIATE``: a deferred transaction that reads
before it writes cannot wait for the write lock (SQLite reports "database is locked" at once,
whatever the busy timeout), so the journal takes the write lock up front and waits for it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pydantic_core
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_random

from hub.journal.journal_errors import JournalUnavailable, RecordsRefused
from schemas.contract.errors import ConfigError

#: Execution option marking a connection whose transactions will write.
_WRITE_OPTION = "hub_journal_write"

#: Values JSON cannot hold (bytes, dates in AMQP headers) are stored as their str(). One encoder,
#: made once: json.dumps with options makes a new one per call, a third of a small document's
#: cost (encode keeps no state between calls, so threads may share it).
json_serializer = json.JSONEncoder(default=str, ensure_ascii=False).encode


def record_json(value: Any) -> str:
    """A document of plain JSON values (a unified record, a pipeline outcome) as compact JSON
    text, by pydantic-core's encoder: about 4x faster than :data:`json_serializer` on a
    licence record, which matters on the pipeline's thread. Anything JSON cannot hold becomes
    its str(), but bytes and datetimes get pydantic's forms, so headers, which may carry them,
    go through :data:`json_serializer`."""
    return pydantic_core.to_json(value, serialize_unknown=True).decode()


def create_journal_engine(url: str, *, lock_timeout: float = 10.0) -> Engine:
    """An engine for ``url``; no connection is made yet.

    ``lock_timeout`` (seconds) bounds how long a statement waits for a lock held by another
    connection before it fails (SQLite's busy timeout, PostgreSQL's ``lock_timeout``), so a
    stuck peer surfaces as an error the caller can retry rather than as a hang.

    Raises :class:`ConfigError` for a malformed URL or an unsupported backend.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise ConfigError(f"journal URL {url!r} is not a database URL") from e
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(parsed, lock_timeout)
    if backend == "postgresql":
        return _postgresql_engine(parsed, lock_timeout)
    raise ConfigError(
        f"journal URL uses {backend!r}; supported: sqlite:///path/journal.sqlite, "
        "postgresql+psycopg://user@host/database"
    )


def _sqlite_engine(url: URL, lock_timeout: float) -> Engine:
    if sqlite3.sqlite_version_info < (3, 35):
        # ON CONFLICT upserts need 3.24; RETURNING (delivery-key claims) needs 3.35.
        raise ConfigError(f"the SQLite journal needs SQLite 3.35+, not {sqlite3.sqlite_version}")
    if url.get_driver_name() != "pysqlite":
        raise ConfigError(f"journal URL driver {url.drivername!r}: use sqlite:///path")
    if not url.database or url.database == ":memory:":
        # Each pooled connection would get its own empty in-memory database.
        raise ConfigError("the SQLite journal needs a file: sqlite:///path/journal.sqlite")
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        json_serializer=json_serializer,
        connect_args={"timeout": lock_timeout, "check_same_thread": False},
    )
    busy_ms = int(lock_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun by the "begin" hook below, not implicitly by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        _enable_wal(cursor, lock_timeout)
        # In WAL mode NORMAL stays consistent on a crash and may lose only the last commits on
        # power loss, as the writer's in-memory queue would anyway; FULL costs an fsync each.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def _enable_wal(cursor: sqlite3.Cursor, lock_timeout: float) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite reports "locked" at once,
    # without its busy handler, when several processes create the journal together. WAL is
    # persistent, so this only ever waits while the file is being created.
    retrying = Retrying(
        retry=retry_if_exception(lambda e: "locked" in str(e)),
        wait=wait_random(0.005, 0.05),
        stop=stop_after_delay(lock_timeout),
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if mode != "wal":
        raise ConfigError(f"the SQLite journal cannot use WAL mode here (mode {mode!r})")


def _postgresql_engine(url: URL, lock_timeout: float) -> Engine:
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if url.get_driver_name() != "psycopg":
        raise ConfigError(f"journal URL driver {url.drivername!r}: use postgresql+psycopg://")
    return create_engine(
        url,
        json_serializer=json_serializer,
        # A connection the server dropped (restart, failover) is replaced, not handed out.
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={int(lock_timeout * 1000)}"},
    )


@contextmanager
def unavailable_as_transient() -> Iterator[None]:
    """Turn "cannot connect" and "lock not granted in time" into :class:`JournalUnavailable`."""
    try:
        yield
    except (OperationalError, PoolTimeout) as e:
        raise JournalUnavailable(f"journal database unavailable: {e}") from e


@contextmanager
def refused_as_permanent() -> Iterator[None]:
    """Turn the database's refusal of the data itself (a data error or a violated constraint:
    the same statement can never succeed) into :class:`RecordsRefused`."""
    try:
        yield
    except (DataError, IntegrityError) as e:
        raise RecordsRefused(f"the journal database refused the records: {_primary(e.orig)}") from e


def _primary(error: BaseException | None) -> str:
    """The driver error's own message without the details a server adds: PostgreSQL's DETAIL
    quotes the failing row (bodies, headers), which must not reach a log."""
    if error is None:
        return "no driver error given"
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        code = getattr(error, "sqlstate", None)
        return f"{primary} (SQLSTATE {code})" if code else str(primary)
    return (str(error).splitlines() or [type(error).__name__])[0]


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction: committed when the block ends, rolled back if it raises.

    Raises :class:`JournalUnavailable` when the database is unreachable or locked too long,
    :class:`RecordsRefused` when it refuses the data written (see :func:`refused_as_permanent`).
    """
    with unavailable_as_transient(), refused_as_permanent(), engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One read transaction that takes no write lock; errors as for :func:`writing`."""
    with unavailable_as_transient(), engine.connect() as connection, connection.begin():
        yield connection
