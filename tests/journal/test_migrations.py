"""The shipped Alembic revisions build exactly the models' schema, idempotently, concurrently."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, Index, MetaData, String, inspect

from hub.journal import Journal
from hub.journal.engine import create_journal_engine
from hub.journal.migrate import VERSION_TABLE, upgrade_to_head
from hub.journal.tables import metadata
from schemas.contract.errors import ConfigError

JOURNAL_TABLES = {
    "journal_messages", "journal_events", "journal_audit", "delivery_keys", "adapter_checkpoints",
    "journal_persons", "journal_chain_heads", "journal_chain_checkpoints",
}


def _differences(engine: Engine, target: MetaData) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True}
        )
        return list(compare_metadata(context, target))


@pytest.fixture
def migrated(journal_url: str) -> Any:
    engine = create_journal_engine(journal_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def test_migrations_produce_exactly_the_models_tables_columns_types_and_indexes(
    migrated: Engine,
) -> None:
    assert _differences(migrated, metadata) == []
    assert set(inspect(migrated).get_table_names()) == JOURNAL_TABLES | {VERSION_TABLE}


def test_the_comparison_would_notice_a_model_the_migrations_do_not_build(
    migrated: Engine,
) -> None:
    # The control for the test above: a drift between models and revisions is reported.
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    events = drifted.tables["journal_events"]
    events.append_column(Column("node", String(64)))
    Index("ix_journal_events_source_at", events.c.source, events.c.at)
    kinds = {diff[0] if isinstance(diff, tuple) else diff[0][0] for diff in _differences(
        migrated, drifted
    )}
    assert kinds == {"add_column", "add_index"}


def test_opening_a_journal_twice_leaves_the_schema_at_head(journal_url: str) -> None:
    Journal.open(journal_url).close()
    Journal.open(journal_url).close()
    engine = create_journal_engine(journal_url)
    with engine.connect() as connection:
        heads = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        ).get_current_heads()
    engine.dispose()
    assert heads == ("0005",)  # the newest revision in migrations/versions


def test_several_hubs_opening_a_new_journal_at_the_same_moment_all_succeed(journal_url: str) -> None:
    # Separate engines, so separate connections racing through the first upgrade.
    def open_and_close(_: int) -> None:
        Journal.open(journal_url).close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(open_and_close, range(6)))
    engine = create_journal_engine(journal_url)
    assert _differences(engine, metadata) == []
    engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["mysql://root@localhost/journal", "sqlite://", "sqlite+aiosqlite:///x.sqlite", "not a url"],
)
def test_unsupported_journal_urls_are_configuration_errors(url: str) -> None:
    with pytest.raises(ConfigError):
        create_journal_engine(url)


def test_sqlite_journal_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Any) -> None:
    engine = create_journal_engine(f"sqlite:///{tmp_path / 'j.sqlite'}", lock_timeout=2.5)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
    engine.dispose()
