"""Reaching a front-end database: connection options, engines, and what its errors mean.

Contracts:
- Table and column names in a config are :data:`Identifier` values (letters, digits and ``_``,
  not starting with a digit, at most 63 bytes) and are always quoted by SQLAlchemy's compiler,
  never formatted into SQL text: a config cannot inject SQL.
- The URL is ``sqlite:///path/file.sqlite`` or ``postgresql+psycopg://user@host/db``; a URL with
  a password is only accepted by reference (``env:NAME``, ``file:/path``), resolved when the
  engine is opened.
- A SQLite file is opened read-write but never created: a missing file is "not reachable"
  (the department's database is theirs to create). Transactions that will write begin with
  ``BEGIN IMMEDIATE`` so they take the write lock up front and wait for it up to the lock
  timeout. PostgreSQL sessions get ``lock_timeout`` and ``statement_timeout``, so a locked
  table or a stalled server surfaces as an error, never as a hang.
- :func:`translate_errors` turns database errors into the adapter taxonomy: the database
  refusing the values (integrity or data errors) is a :class:`PermanentError`; anything else
  (down, locked, timed out, a table missing or misconfigured) is a :class:`TransientError`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import AfterValidator, Field, ValidatorFunctionWrapHandler, WrapValidator
from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DataError, IntegrityError, SQLAlchemyError

from adapters.sdk import (
    AdapterConfig,
    ConfigError,
    PermanentError,
    SecretRef,
    TransientError,
)
from adapters.sdk.config import resolve_secret

#: Execution option marking a connection whose transactions will write (SQLite: BEGIN IMMEDIATE).
WRITES = "db_adapter_writes"
_REFERENCE_PREFIXES = ("env:", "file:")


def _identifier(value: str) -> str:
    if not value.isidentifier() or len(value.encode("utf-8")) > 63:
        raise ValueError(
            f"{value!r} is not a plain table or column name (letters, digits and _, not "
            "starting with a digit, at most 63 bytes)"
        )
    return value


#: A table, schema or column name, checked so it can only ever be a name.
Identifier = Annotated[str, AfterValidator(_identifier)]


def check_url(url: str) -> URL:
    """``url`` parsed, if it is a SQLite or PostgreSQL (psycopg) URL; ValueError otherwise.

    The error never repeats the URL (it may have come from a secret)."""
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise ValueError("the value is not a database URL (scheme://...)") from e
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend == "sqlite" and driver == "pysqlite":
        if not parsed.database or parsed.database == ":memory:" or parsed.query:
            raise ValueError("a SQLite front-end database is a file: sqlite:///path/file.sqlite")
        return parsed
    if backend == "postgresql" and driver in ("psycopg", "psycopg2"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ValueError(
        f"{parsed.drivername!r} databases are not supported; supported are "
        "sqlite:///path/file.sqlite and postgresql+psycopg://user@host/database"
    )


def _plain_url(value: str) -> str:
    if check_url(value).password is not None:
        raise ValueError(
            "a URL with a password is given by reference (env:NAME or file:/path), never inline"
        )
    return value


def _one_reason(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # Report the one check that applies, not both members' failures.
    if isinstance(value, str) and not value.startswith(_REFERENCE_PREFIXES):
        return _plain_url(value)
    return handler(value)


#: A reference (``env:NAME``, ``file:/path``) to a database URL, or a URL without a password.
DatabaseUrl = Annotated[
    SecretRef | Annotated[str, AfterValidator(_plain_url)], WrapValidator(_one_reason)
]


class DatabaseConfig(AdapterConfig):
    """Options every ``db`` adapter shares: where the database is and how long to wait."""

    url: DatabaseUrl = Field(
        description="The front-end database: sqlite:///path/file.sqlite or "
        "postgresql+psycopg://user@host:port/database; when it carries a password, by "
        "reference only (env:NAME or file:/path)."
    )
    schema_name: Identifier | None = Field(
        default=None, description="PostgreSQL schema of the table (unset: the search path)."
    )
    table: Identifier = Field(description="The exchange table.")
    connect_timeout_seconds: float = Field(
        default=10.0, gt=0, description="How long to wait for a connection to the database."
    )
    lock_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a statement waits for a lock the department "
        "holds before the attempt counts as transiently failed (SQLite busy timeout, "
        "PostgreSQL lock_timeout)."
    )
    statement_timeout_seconds: float = Field(
        default=60.0, gt=0, description="PostgreSQL statement_timeout: a statement running "
        "longer is cancelled and retried later."
    )


def open_engine(config: DatabaseConfig, application_name: str) -> Engine:
    """An engine for ``config.url`` (resolving a reference); no connection is made yet.

    ``application_name`` shows in PostgreSQL's ``pg_stat_activity``, so the department's DBA
    can tell which hub adapter holds a session or a lock.

    :class:`ConfigError` if the resolved URL is not a supported database URL.
    """
    raw = config.url
    if raw.startswith(_REFERENCE_PREFIXES):
        raw = resolve_secret(raw).get_secret_value()
    try:
        url = check_url(raw)
    except ValueError as e:
        raise ConfigError(f"{config.url}: {e}") from e
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, config)
    timeouts = (
        f"-c lock_timeout={int(config.lock_timeout_seconds * 1000)} "
        f"-c statement_timeout={int(config.statement_timeout_seconds * 1000)}"
    )
    return create_engine(
        url,
        pool_pre_ping=True,  # a connection the server dropped is replaced, not handed out
        pool_size=2,
        max_overflow=2,
        connect_args={
            "connect_timeout": max(1, round(config.connect_timeout_seconds)),
            "options": timeouts,
            "application_name": application_name[:63],
        },
    )


def _sqlite_engine(url: URL, config: DatabaseConfig) -> Engine:
    if sqlite3.sqlite_version_info < (3, 24):  # INSERT ... ON CONFLICT DO NOTHING
        raise ConfigError(f"the db adapters need SQLite 3.24+, not {sqlite3.sqlite_version}")
    # mode=rw: open the department's file, never create an empty one in its place.
    path = quote(str(url.database), safe="/")
    engine = create_engine(
        url.set(database=f"file:{path}", query={"mode": "rw", "uri": "true"}),
        connect_args={"timeout": config.lock_timeout_seconds, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun by _on_begin

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the write lock
        # (SQLite fails at once); one that will write takes the lock first, within the timeout.
        writes = connection.get_execution_options().get(WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Database errors raised inside the block as :class:`TransientError` or, for values the
    database refuses (integrity and data errors), :class:`PermanentError`; ``what`` says what
    was being done."""
    try:
        yield
    except (IntegrityError, DataError) as e:
        raise PermanentError(f"{what}: the database refused it: {_first_line(e)}") from e
    except SQLAlchemyError as e:
        raise TransientError(f"{what}: {type(e).__name__}: {_first_line(e)}") from e


def _first_line(error: SQLAlchemyError) -> str:
    cause = getattr(error, "orig", None) or error
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def check_columns(
    engine: Engine, schema: str | None, table: str, columns: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """The table's columns by name, after checking it holds every one of ``columns``.

    :class:`ConfigError` naming what is missing; :class:`TransientError` if the database
    cannot be reached.
    """
    where = f"{schema}.{table}" if schema else table
    with translate_errors(f"inspecting {where}"), engine.connect() as connection:
        inspector = inspect(connection)
        if not inspector.has_table(table, schema=schema):
            raise ConfigError(f"the front-end database has no table {where!r}")
        found = {c["name"]: dict(c) for c in inspector.get_columns(table, schema=schema)}
    missing = [c for c in dict.fromkeys(columns) if c not in found]
    if missing:
        raise ConfigError(
            f"table {where!r} has no column(s) {', '.join(map(repr, missing))}; it has "
            f"{', '.join(sorted(found))} (names are case-sensitive)"
        )
    return found


def unique_column(engine: Engine, schema: str | None, table: str, column: str) -> bool:
    """Whether ``column`` alone is the table's primary key or carries a unique constraint or
    index (what ``INSERT ... ON CONFLICT (column)`` needs)."""
    with translate_errors(f"inspecting {table}"), engine.connect() as connection:
        inspector = inspect(connection)
        if inspector.get_pk_constraint(table, schema=schema).get("constrained_columns") == [column]:
            return True
        sets: list[list[str | None]] = [
            list(u["column_names"]) for u in inspector.get_unique_constraints(table, schema=schema)
        ]
        sets += [
            list(i["column_names"])
            for i in inspector.get_indexes(table, schema=schema)
            if i.get("unique")
        ]
    return [column] in sets
