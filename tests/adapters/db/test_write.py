"""db-write: one row per record, keyed by content hash; re-delivery adds nothing; a locked or
absent database is transient, the department's own constraints refusing a row are permanent.
Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from adapters.db.write import DbWriteAdapter, DbWriteConfig
from adapters.sdk import ConfigError, PermanentError, TransientError
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import sample_envelope
from schemas.contract.envelope import Envelope
from tests.adapters.db.harness import (
    FAST_WRITE,
    department_connection,
    locked,
    refusing_inserts,
    run_sql,
)


def writer(url: str, **options: Any) -> DbWriteAdapter:
    config = DbWriteConfig.model_validate({"kind": "db-write", "url": url, **FAST_WRITE,
                                           **options})
    return DbWriteAdapter(config, system="market")


def deliver(adapter: DbWriteAdapter, envelope: Envelope) -> None:
    adapter.deliver(envelope, envelope.to_bytes())


@pytest.fixture
def adapter(front_db: FrontDbSimulator) -> Any:
    made = writer(front_db.url)
    made.start()
    yield made
    made.stop()


def test_a_record_becomes_one_row_with_its_envelope_and_keys(
    front_db: FrontDbSimulator, adapter: DbWriteAdapter
) -> None:
    envelope = sample_envelope()
    deliver(adapter, envelope)
    (row,) = front_db.inbox()
    assert row["content_hash"] == envelope.content_hash
    assert row["message_id"] == envelope.message_id
    assert (row["source"], row["record_type"]) == ("market", "administrative_licence")
    assert row["credit_code"] == "91310112087994932F"
    assert row["status"] == "new"
    assert json.loads(row["envelope"]) == json.loads(envelope.to_bytes())
    assert isinstance(row["delivered_at"], datetime | str) and row["delivered_at"]
    assert front_db.received() == [json.loads(envelope.to_bytes())]
    assert adapter.health().ok


def test_delivering_the_same_content_hash_again_adds_no_row(
    front_db: FrontDbSimulator, adapter: DbWriteAdapter
) -> None:
    envelope = sample_envelope("0001")
    deliver(adapter, envelope)
    deliver(adapter, envelope)
    deliver(adapter, sample_envelope("0001"))  # the record sent again: new message id
    deliver(adapter, sample_envelope("0002"))
    assert [r["content_hash"] for r in front_db.inbox()] == [
        envelope.content_hash, sample_envelope("0002").content_hash
    ]
    assert front_db.inbox()[0]["message_id"] == envelope.message_id  # the first is kept


def test_the_departments_own_constraint_refusing_the_row_is_permanent(
    front_db: FrontDbSimulator, adapter: DbWriteAdapter
) -> None:
    with refusing_inserts(front_db.url, "hub_inbox"), pytest.raises(PermanentError):
        deliver(adapter, sample_envelope())
    assert front_db.inbox() == []
    assert not adapter.health().ok


def test_another_unique_key_colliding_is_permanent_not_silently_skipped(
    front_db: FrontDbSimulator, adapter: DbWriteAdapter
) -> None:
    run_sql(front_db.url, "CREATE UNIQUE INDEX one_row_per_message ON hub_inbox (message_id)")
    first = sample_envelope()
    clash = Envelope.model_validate({**sample_envelope().model_dump(),
                                     "message_id": first.message_id})
    deliver(adapter, first)
    with pytest.raises(PermanentError, match="refused"):
        deliver(adapter, clash)
    assert [r["content_hash"] for r in front_db.inbox()] == [first.content_hash]


@pytest.mark.postgres
def test_a_value_too_long_for_its_column_is_permanent(pg_url: str) -> None:
    # PostgreSQL only: SQLite does not enforce VARCHAR lengths.
    front_db = FrontDbSimulator("market", pg_url)
    front_db.start()
    adapter = writer(pg_url)
    too_long = Envelope.model_validate({**sample_envelope().model_dump(),
                                        "message_id": "m" * 65})
    try:
        with pytest.raises(PermanentError, match="too long"):
            deliver(adapter, too_long)
    finally:
        adapter.stop()
        front_db.stop()


def test_a_locked_table_is_transient_and_the_record_is_written_after(
    front_db: FrontDbSimulator, adapter: DbWriteAdapter
) -> None:
    envelope = sample_envelope()
    with locked(front_db.url, "hub_inbox"), pytest.raises(TransientError):
        deliver(adapter, envelope)
    assert front_db.inbox() == []
    deliver(adapter, envelope)
    assert [r["content_hash"] for r in front_db.inbox()] == [envelope.content_hash]


def test_a_dropped_table_is_transient_not_a_dead_letter(
    front_db: FrontDbSimulator, adapter: DbWriteAdapter
) -> None:
    run_sql(front_db.url, "DROP TABLE hub_inbox")
    with pytest.raises(TransientError, match="hub_inbox"):
        deliver(adapter, sample_envelope())


def test_renamed_and_omitted_columns(front_db: FrontDbSimulator) -> None:
    run_sql(front_db.url, "CREATE TABLE feed (hash VARCHAR(80) PRIMARY KEY, doc TEXT, "
                          "kind VARCHAR(64))")
    adapter = writer(front_db.url, table="feed", columns={
        "content_hash": "hash", "envelope": "doc", "record_type": "kind", "message_id": None,
        "source": None, "credit_code": None, "delivered_at": None, "status": None,
    })
    adapter.start()
    envelope = sample_envelope()
    deliver(adapter, envelope)
    deliver(adapter, envelope)
    adapter.stop()
    with department_connection(front_db.url) as connection:
        rows = list(connection.execute("SELECT hash, kind FROM feed"))
    assert rows == [(envelope.content_hash, "administrative_licence")]


def test_start_refuses_a_content_hash_column_that_is_not_unique(
    front_db: FrontDbSimulator,
) -> None:
    run_sql(front_db.url, "CREATE TABLE loose (content_hash VARCHAR(80), envelope TEXT)")
    adapter = writer(front_db.url, table="loose", columns={
        "message_id": None, "source": None, "record_type": None, "credit_code": None,
        "delivered_at": None, "status": None,
    })
    with pytest.raises(ConfigError, match="unique"):
        adapter.start()
    adapter.stop()


def test_start_names_missing_columns(front_db: FrontDbSimulator) -> None:
    adapter = writer(front_db.url, columns={"credit_code": "entity_code"})
    with pytest.raises(ConfigError, match="'entity_code'"):
        adapter.start()
    adapter.stop()


def test_two_fields_cannot_share_a_column() -> None:
    with pytest.raises(ValueError, match="one value only"):
        DbWriteConfig.model_validate({"kind": "db-write", "url": "sqlite:////tmp/x.sqlite",
                                      "columns": {"source": "record_type"}})
