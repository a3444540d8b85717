"""Fixtures for the db adapters: every test runs on a SQLite file and on a real PostgreSQL.

PostgreSQL tests share one database created for the session (dropped at its end) and emptied
after each test (skipped without PostgreSQL on 127.0.0.1:5432, failed under CI=true). Locks
and timeouts are short so the "locked" and "down" cases take a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.db.poll import DbPollAdapter, DbPollConfig
from adapters.db.schema import outbox_poll_config
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import RecordingPort
from tests.adapters.db.harness import (
    FAST,
    as_port,
    fresh_postgres_database,
    reset_postgres_database,
)

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One PostgreSQL database for the session's tests, dropped at the end."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in tmp_path, or the session's PostgreSQL database,
    emptied again after the test (creating a database per test costs a second)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'front.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_database")
        yield url
        reset_postgres_database(url)


@pytest.fixture
def pg_url(postgres_database: str) -> Iterator[str]:
    """The session's PostgreSQL database, for PostgreSQL-only tests; emptied afterwards."""
    yield postgres_database
    reset_postgres_database(postgres_database)


@pytest.fixture
def front_db(db_url: str) -> Iterator[FrontDbSimulator]:
    """The department's exchange tables (hub_outbox, hub_inbox) in the test database."""
    simulator = FrontDbSimulator("market", db_url)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def make_poller() -> Iterator[Callable[..., DbPollAdapter]]:
    """Build pollers (stopped at the end of the test): ``make_poller(url, port, **options)``
    with the outbox config of :mod:`adapters.db.schema` and fast timeouts."""
    made: list[DbPollAdapter] = []

    def make(url: str, port: RecordingPort | None = None, **options: Any) -> DbPollAdapter:
        config = DbPollConfig.model_validate(outbox_poll_config(url, **{**FAST, **options}))
        adapter = DbPollAdapter(config, system="market", port=as_port(port or RecordingPort()))
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.stop()

