"""Scale-out on a 3-node RabbitMQ cluster with quorum queues, and RabbitMQ nodes killed under it.

``hub run --workers 2`` on the cluster's URL list (one pipeline process starts on node 1, the
other on node 2) with a PostgreSQL journal drains 2,500 good and 50 bad penalties, each going to
three destinations, in two waves. A third into the first, node 1, which leads ``hub.inbound``, is
killed with SIGKILL; once it is back, the second wave comes, and node 2 is killed in its midst. The hub carries on against the surviving nodes, and afterwards:
every good record is at every destination (a duplicate only with an equal content hash), every
bad one in quarantine, and the journal and ``hub report`` count every input exactly once.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import INBOUND
from tests.cluster.conftest import Cluster
from tests.hub.app.test_cli_subprocess import _env, _hub_command
from tests.journal.conftest import fresh_postgres_database
from tests.support.penalties import penalties
from tests.support.running_hub import RunningHub
from tests.support.waiting import run_until_drained, wait_until

GOOD, BAD = 2500, 50
#: The queue of the supervision database, which the hub process delivers to itself.
STORE = "hub.out.supervision-db"
#: Inputs published before the hub starts; the rest come once node 1 is back.
FIRST_WAVE = 1020
#: Outputs of the second wave at the city platform before node 2 is killed.
SECOND_KILL_AFTER = 200
DESTINATIONS = ("city-platform", "credit-platform", "service-hall")

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]


@pytest.fixture
def journal_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


def _on(cluster: Cluster, node: int, tmp_path: Path) -> RunningHub:
    """A department's view of the broker through one node (it declares the topology there)."""
    return RunningHub(cluster.node_url(node), tmp_path, queue_type="quorum").open()


def _wait(condition: Callable[[], bool], what: str, hub: subprocess.Popen[bytes],
          timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert hub.poll() is None, f"hub run exited ({hub.returncode}) while waiting: {what}"
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.1)


def _penalty(body: bytes) -> OutboundMessage:
    """A department's penalty for hub.inbound, published with a confirm (a publish the broker
    has not confirmed carries no promise, on a cluster least of all)."""
    return OutboundMessage(INBOUND, "market.administrative_penalty", body, "application/json")


def test_two_workers_on_a_cluster_lose_nothing_when_nodes_are_killed(
    rabbitmq_cluster: Cluster, journal_url: str, tmp_path: Path,
) -> None:
    cluster = rabbitmq_cluster
    # Declared through node 1, so node 1 leads hub.inbound (quorum queues start on the
    # declaring node): the first kill takes the inbound queue's leader.
    department = _on(cluster, 1, tmp_path)
    [market_code] = department.hub.systems.credit_codes("market")
    bodies = penalties(market_code, GOOD, BAD)
    first_wave, second_wave = bodies[:FIRST_WAVE], bodies[FIRST_WAVE:]
    for body in first_wave:
        department.publish_output(_penalty(body))
    department.close()
    assert cluster.leader("hub.inbound") == 1
    watcher = _on(cluster, 3, tmp_path)  # node 3 is never killed
    # Every publish was confirmed; a member may take a moment to report the leader's count.
    wait_until(lambda: watcher.depth("hub.inbound") == len(first_wave),
               "the first wave counted in hub.inbound", timeout=30)

    env = _env(HUB_BROKER_URL=cluster.urls, HUB_QUEUE_TYPE="quorum", HUB_DATA_DIR=str(tmp_path),
               HUB_JOURNAL_URL=journal_url, HUB_METRICS_PORT="0")
    log = tmp_path / "hub-run.log"
    city = "hub.out.city-platform"
    with log.open("wb") as sink:
        hub = subprocess.Popen([*_hub_command(), "run", "--workers", "2"], env=env, stderr=sink)
    try:
        _wait(lambda: watcher.depth(city) >= len(first_wave) // 3, "a third of wave 1", hub)
        cluster.kill(1)  # the inbound queue's leader, and the first process's node
        _wait(lambda: watcher.depth("hub.inbound") == 0, "the end of wave 1", hub)
        cluster.revive(1)
        # The second wave arrives while every node is up; mid-wave, node 2 goes.
        delivered_before = watcher.depth(city)
        for body in second_wave:
            watcher.publish_output(_penalty(body))
        _wait(lambda: watcher.depth(city) >= delivered_before + SECOND_KILL_AFTER,
              "the second wave under way", hub)
        cluster.kill(2)  # the second process's node
        assert watcher.depth("hub.inbound") > 0, "the stream ended before the second kill"
        _wait(lambda: watcher.depth("hub.inbound") == 0
              and watcher.depth("hub.quarantine") >= BAD, "the end of the stream", hub)
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(120)
    stderr = log.read_text(encoding="utf-8", errors="replace")
    assert hub.returncode == 0, stderr[-3000:]
    failovers = [line for line in stderr.splitlines() if "reconnected to" in line]
    assert failovers, "no process had to fail over"
    print(*failovers, sep="\n")
    # Whatever that hub had taken but not begun when it stopped is back in its queue, and
    # inputs whose outputs a dying node refused wait in the retry queue: finish them.
    # The supervision database's runner, in the hub process, must have landed every record too.
    run_until_drained([*_hub_command(), "run"], env,
                      lambda: watcher.depth("hub.inbound") + watcher.depth(STORE),
                      lambda: watcher.depth("hub.inbound.retry") == 0, log)

    for destination in DESTINATIONS:
        queue = f"hub.out.{destination}"
        hashes: dict[str, set[str]] = {}
        copies = watcher.read(queue, watcher.depth(queue))
        for envelope in (copy.json() for copy in copies):
            hashes.setdefault(envelope["payload"]["decision_number"], set()).add(
                envelope["content_hash"])
        assert len(hashes) == GOOD, f"{destination}: {len(hashes)} of {GOOD} records"
        assert all(len(h) == 1 for h in hashes.values()), f"{destination}: unequal duplicates"
        print(f"{destination}: {GOOD} records, {len(copies) - GOOD} duplicates")
    quarantined = watcher.read("hub.quarantine", watcher.depth("hub.quarantine"))
    assert len({copy.json()["decision_number"] for copy in quarantined}) == BAD
    watcher.close()
    # The supervision database holds each record once, however often it was delivered.
    with sqlite3.connect(tmp_path / "supervision.sqlite") as store:
        landed = store.execute("SELECT count(*), count(DISTINCT business_key), max(versions) "
                               "FROM supervision_records").fetchone()
    assert landed == (GOOD, GOOD, 1), landed

    report = subprocess.run([*_hub_command(), "report", "--format", "json", "--tz", "UTC"],
                            env=env, capture_output=True, text=True, check=True)
    totals = json.loads(report.stdout)["totals"]["sources"]
    assert (totals["received"], totals["rejected"], totals["delivered"], totals["in_flight"]) == (
        GOOD + BAD, BAD, GOOD, 0), totals
