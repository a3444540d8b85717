"""Fixtures for the journal tests: every test runs on SQLite and on the real PostgreSQL.

PostgreSQL tests get a database of their own, created for the test and dropped afterwards; they
skip when PostgreSQL is not on 127.0.0.1:5432, except under CI=true, where that fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.journal import Journal, JournalEvent, JournalMessage
from tests.conftest import require_service

POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_ADMIN = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user=postgres dbname=test"

#: A fixed instant the tests build their timelines around.
T0 = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; its URL is yielded, and it is dropped afterwards."""
    require_service("PostgreSQL", POSTGRES_HOST, POSTGRES_PORT)
    import psycopg

    name = f"journal_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def journal_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty journal database: a SQLite file in tmp_path, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'journal.sqlite'}"
    else:
        with fresh_postgres_database() as url:
            yield url


@pytest.fixture
def open_journal(journal_url: str) -> Iterator[Callable[..., Journal]]:
    """Open (more) journals on the test's database; all are closed afterwards."""
    opened: list[Journal] = []

    def open_(**options: Any) -> Journal:
        journal = Journal.open(journal_url, **options)
        opened.append(journal)
        return journal

    yield open_
    for journal in opened:
        journal.close()


@pytest.fixture
def journal(open_journal: Callable[..., Journal]) -> Journal:
    return open_journal()


def message(message_id: str, *, at: datetime = T0, **fields: Any) -> JournalMessage:
    """A received licence from the market department, with any field overridden."""
    values: dict[str, Any] = {
        "message_id": message_id,
        "received_at": at,
        "source": "market",
        "record_type": "administrative_licence",
        "routing_key": "market.administrative_licence",
        "correlation_id": f"corr-{message_id}",
        "body": f'{{"licence": "{message_id}"}}'.encode(),
        "content_type": "application/json",
        "content_encoding": "utf-8",
        "source_message_id": f"src-{message_id}",
        "headers": {"hub-schema-version": "1.0"},
    }
    values.update(fields)
    return JournalMessage(**values)


def event(
    message_id: str, kind: str, *, at: datetime = T0, minutes: float = 0, **fields: Any
) -> JournalEvent:
    """An event of the market licence ``message_id``, ``minutes`` after ``at``."""
    values: dict[str, Any] = {
        "message_id": message_id,
        "event": kind,
        "at": at + timedelta(minutes=minutes),
        "source": "market",
        "record_type": "administrative_licence",
        "correlation_id": f"corr-{message_id}",
    }
    values.update(fields)
    return JournalEvent(**values)
