"""A complete journal whatever kills the worker: ``hub run`` killed with SIGKILL three times
mid-stream, on a SQLite and on a PostgreSQL journal, against the real RabbitMQ.

4,000 good and 100 bad penalties from one department. Afterwards every record has reached the
city platform (duplicates allowed, with equal content hashes), and the journal, ``hub report``,
``hub trace`` and a replay's dry run account for every input exactly once: the worker acks an
input only after its journal record is committed, and an input delivered again after a crash
keeps its hub message id (``hub.pipeline.receive.input_id``).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import MessageQuery
from tests.hub.app.test_cli_subprocess import _env, _hub_command

# The journal tests' fixture: an empty SQLite file, and a new PostgreSQL database.
from tests.journal.conftest import journal_url  # noqa: F401
from tests.support.penalties import penalties
from tests.support.running_hub import RunningHub
from tests.support.waiting import run_until_drained

GOOD, BAD, KILLS = 4000, 100, 3

pytestmark = pytest.mark.rabbitmq


def test_every_input_is_journaled_exactly_once_after_three_kill_9s(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub], journal_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    department = make_hub(rabbitmq_url).open()
    [market_code] = department.hub.systems.credit_codes("market")
    bodies = penalties(market_code, GOOD, BAD)
    for body in bodies:
        department.publish("market.administrative_penalty", body)
    env = _env(HUB_BROKER_URL=rabbitmq_url, HUB_DATA_DIR=str(tmp_path),
               HUB_JOURNAL_URL=journal_url, HUB_METRICS_PORT="0")
    for kill in range(1, KILLS + 1):
        victim = subprocess.Popen([*_hub_command(), "run"], env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while department.depth("hub.out.city-platform") < kill * GOOD // (KILLS + 1):
            assert time.monotonic() < deadline and victim.poll() is None, "no progress"
            time.sleep(0.02)
        victim.kill()  # SIGKILL: no chance to finish its batch or its journal writes
        victim.wait(30)
    assert department.depth("hub.inbound") > 0, "the stream ended before the last kill"
    # Finished: the bad records quarantined and nothing waiting to be tried again.
    # ... and the supervision database (delivered to by the hub process itself) has every record.
    run_until_drained([*_hub_command(), "run"], env,
                      lambda: department.depth("hub.inbound")
                      + department.depth("hub.out.supervision-db"),
                      lambda: department.depth("hub.quarantine") >= BAD
                      and department.depth("hub.inbound.retry") == 0, tmp_path / "hub-run.log")

    # On the broker: every good record at the city platform, a duplicate only with its hash.
    delivered = [m.json() for m in department.read(
        "hub.out.city-platform", department.depth("hub.out.city-platform"))]
    by_number: dict[str, set[str]] = {}
    for envelope in delivered:
        by_number.setdefault(envelope["payload"]["decision_number"], set()).add(
            envelope["content_hash"])
    assert len(by_number) == GOOD and all(len(h) == 1 for h in by_number.values()), (
        f"{len(by_number)} of {GOOD} at the city platform; queues: "
        + ", ".join(f"{q} {department.depth(q)}" for q in (
            "hub.inbound", "hub.inbound.retry", "hub.inbound.dead", "hub.quarantine")))

    # In the journal: every input once, good and bad.
    hub = Hub(load_settings(broker_url=rabbitmq_url, data_dir=tmp_path, journal_url=journal_url))
    journal = hub.open_journal()
    try:
        messages = journal.find_messages(MessageQuery(limit=10 * (GOOD + BAD)))
        numbers = [json.loads(m.body)["decision_number"] for m in messages]
        assert len(numbers) == GOOD + BAD == len(set(numbers)), (
            f"{len(numbers)} journaled, {len(set(numbers))} distinct, of {GOOD + BAD}")
        rejected = [m for m in messages if m.outcome and m.outcome.status == "rejected"]
        assert len(rejected) == BAD
        sample = messages[len(messages) // 2].message_id
        assert [e.event for e in journal.trace(sample)][:1] == ["received"]
    finally:
        journal.close()
    print(f"reconciliation: {GOOD + BAD} sent, {len(delivered)} copies at the city platform "
          f"({len(delivered) - GOOD} duplicates), {len(numbers)} journaled")

    # hub report and a replay's dry run agree.
    report = subprocess.run([*_hub_command(), "report", "--format", "json", "--tz", "UTC"],
                            env=env, capture_output=True, text=True, check=True)
    totals = json.loads(report.stdout)["totals"]["sources"]
    assert (totals["received"], totals["rejected"], totals["delivered"], totals["in_flight"]) == (
        GOOD + BAD, BAD, GOOD, 0), totals
    replay = subprocess.run(
        [*_hub_command(), "replay", "--source", "market", "--limit", "10000", "--dry-run",
         "--reason", "count"], env=env, capture_output=True, text=True, check=True)
    assert json.loads(replay.stdout.splitlines()[-1])["affected"] == GOOD + BAD
