"""The db mode through the real hub: the market department writes rows into its front-end
database; db-poll hands them to the hub through the core's broker port; the worker validates
and routes them; delivery runners write the licence into the credit platform's inbox table and
the feedback about the bad row into the market's own inbox table. Embedded broker, SQLite
front-end databases (the adapters' PostgreSQL behaviour is covered by the other modules)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.db.poll import DbPollAdapter, DbPollConfig
from adapters.db.write import DbWriteAdapter, DbWriteConfig
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import sample_licence
from hub.delivery.runner import DeliveryRunner, RunnerPolicy
from hub.hosting.adapter_host import BrokerInboundPort
from hub.journal import Journal
from tests.support.running_hub import RunningHub
from tests.support.waiting import wait_until

LICENCE_TYPE = "administrative_licence"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[RunningHub]:
    running = RunningHub(f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}", tmp_path).start()
    yield running
    running.close()


def test_rows_travel_from_one_front_db_to_another_and_feedback_comes_back(
    hub: RunningHub, tmp_path: Path
) -> None:
    market = FrontDbSimulator("market", f"sqlite:///{tmp_path / 'market.sqlite'}")
    credit = FrontDbSimulator("credit-platform", f"sqlite:///{tmp_path / 'credit.sqlite'}")
    market.start()
    credit.start()
    journal = Journal.open(hub.settings.resolved_journal_url())
    url = hub.settings.resolved_broker_url()
    port = BrokerInboundPort(url, hub.hub.topology, "market", "db-poll",
                             journal.checkpoints("db-poll:market:0"))
    entry = market.connection()
    poller = DbPollAdapter(DbPollConfig.model_validate({**entry["inbound"][0],
                                                        "poll_seconds": 0.1}),
                           system="market", port=port)
    runners: list[tuple[DeliveryRunner, threading.Thread]] = []
    for destination, simulator in (("credit-platform", credit), ("market", market)):
        adapter = DbWriteAdapter(
            DbWriteConfig.model_validate(simulator.connection()["outbound"]), system=destination
        )
        runner = DeliveryRunner(url, hub.hub.topology, destination, adapter,
                                journal.delivery_keys, RunnerPolicy(()))
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        assert runner.ready.wait(30)
        runners.append((runner, thread))
    try:
        licence = sample_licence()
        market.emit(licence, LICENCE_TYPE)
        market.insert('{"party": ', LICENCE_TYPE)
        poller.start()

        wait_until(lambda: credit.received(), "the licence reaches the credit platform's inbox")
        (delivered,) = credit.received()
        assert delivered["source"] == "market" and delivered["record_type"] == LICENCE_TYPE
        assert delivered["payload"]["licence_number"] == licence["licence_number"]
        assert delivered["source_message_id"] == "1"  # the market's row key travels along

        wait_until(lambda: market.received(), "feedback reaches the market's inbox")
        (feedback,) = market.received()
        assert feedback["record_type"] == "feedback"
        assert feedback["payload"]["status"] == "rejected"
        assert feedback["payload"]["regarding_source_message_id"] == "2"
        (problem,) = feedback["payload"]["problems"]
        assert problem["code"] == "adapter.row_invalid" and problem["path"] == "row 2/body"
        assert [(r["status"], r["reason"] is None) for r in market.outbox()] == [
            ("taken", True), ("error", False)
        ]
        outcomes = hub.wait_processed(2)
        assert sorted(o.status for o in outcomes) == ["delivered", "rejected"]
        rejected = next(o for o in outcomes if o.status == "rejected")
        assert json.loads(rejected.inbound.body)["body"] == '{"party": '  # the row, kept
    finally:
        poller.stop()
        port.close()
        for runner, thread in runners:
            runner.stop()
            thread.join(30)
            runner.destination.close()
        journal.close()
        market.stop()
        credit.stop()
