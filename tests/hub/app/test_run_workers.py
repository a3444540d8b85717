"""``hub run --workers N``: N pipeline processes on one RabbitMQ queue, stopped together."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hub.app.test_cli_subprocess import _env, _hub_command
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

INPUTS = 3000


def _children(process: subprocess.Popen[bytes]) -> list[int]:
    """The pids whose parent is ``process`` (from /proc; zombies left out)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[1]) == process.pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.rabbitmq
def test_two_workers_share_the_stream_and_stop_together(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub], tmp_path: Path
) -> None:
    department = make_hub(rabbitmq_url).open()
    record = json.loads((RECORDS / "licence.json").read_bytes())
    for n in range(INPUTS):
        record["licence_number"] = f"JY{n:014d}"
        department.publish("market.administrative_licence", json.dumps(record).encode())
    env = _env(HUB_BROKER_URL=rabbitmq_url, HUB_DATA_DIR=str(tmp_path), HUB_METRICS_PORT="0")
    log = tmp_path / "hub.log"  # a file: a pipe nobody reads would fill and stop the hub
    with log.open("wb") as stderr:
        hub = subprocess.Popen([*_hub_command(), "run", "--workers", "2"], env=env, stderr=stderr)
    try:
        deadline = time.monotonic() + 120
        while department.depth("hub.out.credit-platform") < INPUTS:
            assert time.monotonic() < deadline and hub.poll() is None, "no progress"
            time.sleep(0.1)
        helpers = _children(hub)
        assert len(helpers) == 1, helpers
    finally:
        hub.send_signal(signal.SIGTERM)
        hub.wait(60)
    assert hub.returncode == 0, log.read_text()[-2000:]
    assert not any(_alive(pid) for pid in helpers)
    envelopes = [m.json() for m in department.read("hub.out.credit-platform", INPUTS)]
    nodes = {hop["node"] for e in envelopes for hop in e["hops"] if hop["stage"] == "received"}
    assert len(nodes) == 2, nodes  # both processes took inputs
    assert {e["payload"]["licence_number"] for e in envelopes} == {
        f"JY{n:014d}" for n in range(INPUTS)}


@pytest.mark.rabbitmq
def test_a_helper_that_dies_stops_the_hub_with_an_error(
    rabbitmq_url: str, tmp_path: Path
) -> None:
    env = _env(HUB_BROKER_URL=rabbitmq_url, HUB_DATA_DIR=str(tmp_path), HUB_METRICS_PORT="0")
    log = tmp_path / "hub.log"
    with log.open("wb") as stderr:
        hub = subprocess.Popen([*_hub_command(), "run", "--workers", "2"], env=env, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while not _children(hub):
            assert time.monotonic() < deadline and hub.poll() is None
            time.sleep(0.1)
        time.sleep(2)
        [helper] = _children(hub)
        os.kill(helper, signal.SIGKILL)
        hub.wait(60)
    finally:
        if hub.poll() is None:
            hub.kill()
    assert hub.returncode == 1
    assert "a pipeline process ended unexpectedly" in log.read_text()


def test_more_workers_need_rabbitmq(tmp_path: Path) -> None:
    result = subprocess.run([*_hub_command(), "run", "--workers", "2"],
                            env=_env(HUB_DATA_DIR=str(tmp_path)), capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 2 and "needs RabbitMQ" in result.stderr
