"""Harnesses for the conformance suite, and the database tricks the db tests share.

:class:`DbPollHarness` (an InboundHarness) and :class:`DbWriteHarness` (an OutboundHarness)
drive a real front-end database through :class:`FrontDbSimulator`: rows are written and read
with the simulator's own connection (the department's side), outages are real locks held by
another connection, a refusal is a real constraint (a trigger on SQLite, a CHECK on PostgreSQL).
The adapters reach the database by an ``env:`` reference, as a production config with a
password would.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast

import psycopg
from sqlalchemy.engine import make_url

from adapters.db.schema import INBOX, OUTBOX, inbox_write_config, outbox_poll_config
from adapters.sdk import InboundPort
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import RecordingPort, sample_licence
from tests.conftest import require_service

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user=postgres dbname=test"
#: Short waits for tests: a held lock fails an attempt in 0.3 s; idle pollers look every 0.05 s.
FAST: dict[str, Any] = {
    "lock_timeout_seconds": 0.3, "connect_timeout_seconds": 2, "poll_seconds": 0.05,
}
FAST_WRITE: dict[str, Any] = {"lock_timeout_seconds": 0.3, "connect_timeout_seconds": 2}


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; its URL is yielded, and it is dropped afterwards."""
    require_service("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    name = f"db_adapter_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_postgres_database(url: str) -> None:
    """Empty the database at ``url`` again (its public schema recreated), ending every other
    session on it first so no forgotten connection holds a lock."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def as_port(port: RecordingPort) -> InboundPort:
    """``port`` as the SDK's protocol. (RecordingPort declares ``checkpoints`` as
    MemoryCheckpoints, which mypy does not accept for the protocol's settable attribute.)"""
    return cast(InboundPort, port)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as psycopg.connect takes it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def department_connection(url: str) -> Iterator[Any]:
    """A raw DB-API connection of the department's own, in autocommit (SQLite) or not (PG)."""
    connection: Any
    if is_sqlite(url):
        connection = sqlite3.connect(make_url(url).database or "", timeout=0,
                                     isolation_level=None)
    else:
        connection = psycopg.connect(libpq_url(url))
    try:
        yield connection
    finally:
        connection.close()


def run_sql(url: str, *statements: str) -> None:
    """Run ``statements`` on the department's own connection and commit them."""
    with department_connection(url) as connection:
        for statement in statements:
            connection.execute(statement)
        if not is_sqlite(url):
            connection.commit()


@contextmanager
def locked(url: str, table: str) -> Iterator[Any]:
    """``table`` locked by the department's connection (yielded) inside the block: on SQLite
    the whole file (BEGIN EXCLUSIVE, so readers wait too), on PostgreSQL the table (ACCESS
    EXCLUSIVE). What the connection writes meanwhile is committed when the block ends."""
    with department_connection(url) as connection:
        if is_sqlite(url):
            connection.execute("BEGIN EXCLUSIVE")
        else:
            connection.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        try:
            yield connection
        finally:
            if is_sqlite(url):
                connection.execute("COMMIT")
            else:
                connection.commit()


def insert_outbox_row(connection: Any, url: str, body: str, record_type: str) -> None:
    """An outbox row written on the department's raw connection (e.g. the one holding a lock)."""
    mark = "?" if is_sqlite(url) else "%s"
    connection.execute(
        f"INSERT INTO {OUTBOX} (record_type, body) VALUES ({mark}, {mark})", (record_type, body)
    )


@contextmanager
def refusing_inserts(url: str, table: str) -> Iterator[None]:
    """The department's constraint refusing every new row of ``table`` inside the block."""
    name = f"refuse_{uuid.uuid4().hex[:8]}"
    with department_connection(url) as connection:
        if is_sqlite(url):
            connection.execute(
                f'CREATE TRIGGER {name} BEFORE INSERT ON "{table}" '
                "BEGIN SELECT RAISE(ABORT, 'refused by the department'); END"
            )
            drop = f"DROP TRIGGER {name}"
        else:
            connection.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT {name} CHECK (id < 0) NOT VALID'
            )
            connection.commit()
            drop = f'ALTER TABLE "{table}" DROP CONSTRAINT {name}'
        try:
            yield
        finally:
            connection.execute(drop)
            if not is_sqlite(url):
                connection.commit()


class DbPollHarness:
    """The department's outbox, for ``db-poll`` (status tracking unless ``options`` say)."""

    def __init__(
        self, simulator: FrontDbSimulator, setenv: Callable[[str, str], None], **options: Any
    ) -> None:
        self.simulator = simulator
        self.variable = f"DB_HARNESS_URL_{uuid.uuid4().hex[:8].upper()}"
        setenv(self.variable, simulator.url)
        self.options = options
        self._held: Any = None

    def config(self) -> dict[str, Any]:
        return outbox_poll_config(f"env:{self.variable}", **{**FAST, **self.options})

    def offer(self, count: int) -> None:
        for _ in range(count):
            self._write(json.dumps(sample_licence(), ensure_ascii=False))

    def offer_bad(self) -> None:
        self._write('{"party": {"name": "unterminated')

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The outbox locked by the department; rows offered meanwhile are written under the
        lock and appear when it ends."""
        with locked(self.simulator.url, OUTBOX) as connection:
            self._held = connection
            try:
                yield
            finally:
                self._held = None

    def _write(self, body: str) -> None:
        if self._held is None:
            self.simulator.insert(body, "administrative_licence")
        else:
            insert_outbox_row(self._held, self.simulator.url, body, "administrative_licence")


class DbWriteHarness:
    """The department's inbox, for ``db-write``."""

    def __init__(self, simulator: FrontDbSimulator, setenv: Callable[[str, str], None]) -> None:
        self.simulator = simulator
        self.variable = f"DB_HARNESS_URL_{uuid.uuid4().hex[:8].upper()}"
        setenv(self.variable, simulator.url)

    def config(self) -> dict[str, Any]:
        return inbox_write_config(f"env:{self.variable}", **FAST_WRITE)

    def received(self) -> list[str]:
        return [row["content_hash"] for row in self.simulator.inbox()]

    @contextmanager
    def outage(self) -> Iterator[None]:
        with locked(self.simulator.url, INBOX):
            yield

    def refusing(self) -> AbstractContextManager[None]:
        return refusing_inserts(self.simulator.url, INBOX)
