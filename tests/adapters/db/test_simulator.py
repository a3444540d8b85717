"""The front-end database simulator and the exchange-table DDL: the printed DDL creates tables
the default configs accept, the simulator's connections-file entry is valid, and a record
goes out through db-poll and comes back through db-write. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from adapters.db.poll import DbPollAdapter, DbPollConfig
from adapters.db.schema import exchange_ddl, inbox_write_config, outbox_poll_config
from adapters.db.write import DbWriteAdapter, DbWriteConfig
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import RecordingPort, sample_envelope, sample_licence
from hub.hosting.connections import Connections
from tests.adapters.db.harness import (
    as_port,
    department_connection,
    is_sqlite,
    reset_postgres_database,
)


def test_the_printed_ddl_creates_tables_the_default_configs_accept(db_url: str) -> None:
    ddl = exchange_ddl("sqlite" if is_sqlite(db_url) else "postgresql")
    with department_connection(db_url) as connection:
        for statement in filter(str.strip, ddl.split(";")):
            connection.execute(statement)
        if not is_sqlite(db_url):
            connection.commit()
    poller = DbPollAdapter(DbPollConfig.model_validate(outbox_poll_config(db_url)),
                           system="market", port=as_port(RecordingPort()))
    writer = DbWriteAdapter(DbWriteConfig.model_validate(inbox_write_config(db_url)),
                            system="market")
    poller.start()  # checks every configured column exists
    writer.start()  # ...and that content_hash is unique
    poller.stop()
    writer.stop()


def test_the_ddl_is_given_for_known_dialects_only() -> None:
    assert "CREATE TABLE hub_outbox" in exchange_ddl("postgresql")
    assert "UNIQUE (content_hash)" in exchange_ddl("sqlite")
    assert "CREATE TABLE dept.hub_inbox" in exchange_ddl("postgresql", schema="dept")
    with pytest.raises(ValueError, match="unknown dialect 'oracle'"):
        exchange_ddl("oracle")


def test_the_connection_entry_is_a_valid_connections_file_entry(
    front_db: FrontDbSimulator, tmp_path: Path
) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text(yaml.safe_dump({"connections": {"market": front_db.connection()}}))
    (market,) = Connections.load(path, systems=["market"])
    assert market.mode == "db"
    assert [c.kind for c in market.inbound] == ["db-poll"]
    assert market.outbound is not None and market.outbound.kind == "db-write"
    assert front_db.environment() == {}  # no password: nothing to supply


def test_an_emitted_record_is_taken_and_a_delivered_one_is_received(
    front_db: FrontDbSimulator,
) -> None:
    entry = front_db.connection()
    licence = sample_licence()
    front_db.emit(licence, "administrative_licence")
    port = RecordingPort()
    poller = DbPollAdapter(DbPollConfig.model_validate(entry["inbound"][0]), system="market",
                           port=as_port(port))
    poller.start()
    port.wait_for(submitted=1)
    poller.stop()
    (record,) = port.submitted
    assert json.loads(record.body) == licence and record.record_type == "administrative_licence"
    assert front_db.outbox()[0]["status"] == "taken"

    envelope = sample_envelope()
    writer = DbWriteAdapter(DbWriteConfig.model_validate(entry["outbound"]), system="market")
    writer.deliver(envelope, envelope.to_bytes())
    writer.stop()
    assert front_db.received() == [json.loads(envelope.to_bytes())]


@pytest.mark.postgres
def test_a_url_with_a_password_goes_to_the_hub_by_reference(
    postgres_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Trust authentication ignores the password; the hub must still never see it inline.
    url = make_url(postgres_database).set(password="pa55word").render_as_string(
        hide_password=False
    )
    simulator = FrontDbSimulator("civil-affairs", url)
    simulator.start()
    try:
        entry = simulator.connection()
        assert "pa55word" not in json.dumps(entry)
        assert entry["inbound"][0]["url"] == "env:HUB_SIM_CIVIL_AFFAIRS_DB_URL"
        for name, value in simulator.environment().items():
            monkeypatch.setenv(name, value)
        writer = DbWriteAdapter(DbWriteConfig.model_validate(entry["outbound"]),
                                system="civil-affairs")
        envelope = sample_envelope()
        writer.deliver(envelope, envelope.to_bytes())
        writer.stop()
        assert [e["content_hash"] for e in simulator.received()] == [envelope.content_hash]
    finally:
        simulator.stop()
        reset_postgres_database(postgres_database)
