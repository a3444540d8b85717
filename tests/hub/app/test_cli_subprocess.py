"""The ``hub`` command as a real process: the README's demo, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

REPO = Path(__file__).resolve().parents[3]


def _hub_command() -> list[str]:
    """The installed console script when there is one (CI), else the module from this checkout."""
    script = shutil.which("hub")
    return [script] if script else [sys.executable, "-m", "hub.app.cli"]


def _env(**extra: str) -> dict[str, str]:
    # The worker's broker client is a test's choice (tests/support/broker_clients.py).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("HUB_") or k == "HUB_BROKER_CLIENT"}
    if not shutil.which("hub"):
        env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def test_the_readme_demo_runs_from_any_directory_and_accounts_for_every_record(tmp_path: Path) -> None:
    result = subprocess.run(
        [*_hub_command(), "demo"], cwd=tmp_path, env=_env(), capture_output=True, text=True,
        timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "The pipeline processed 15 of 15 records sent" in result.stdout
    assert "hub.out.construction" in result.stdout  # dual notification and joint discipline
    assert "credit_code.checksum @ party.credit_code" in result.stdout  # feedback with a reason
    assert "Quarantine (original body kept" in result.stdout
    # The service hall publishes: it got the ID number masked, the entitled platforms whole;
    # the demo's screen masks both.
    hall = [line for line in result.stdout.splitlines() if line.startswith("  hub.out.service-hall")
            and "masked as published" in line]
    assert hall and all("********" in line for line in hall), result.stdout
    assert "hub.out.city-platform    administrative_penalty   whole: 310112********" in result.stdout
    assert "310112198001011234" not in result.stdout
    arrivals = [line for line in result.stdout.splitlines() if " holds " in line]
    assert len(arrivals) == 6 and all(line.split()[0] == "ok" for line in arrivals), result.stdout
    # Last, one entity asked about through each of the information service's doors.
    doors = result.stdout.split("Last, the information service", 1)[1]
    for door in ("REST  GET http://127.0.0.1:", "SOAP  GetProfile", "AMQP  a question"):
        assert f"  {door}" in doors, doors
    assert "FAILED" not in doors and "the three doors gave the same answer" in doors, doors


def test_check_with_a_broken_mapping_file_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    mapping = tmp_path / "mappings" / "police.yaml"
    mapping.parent.mkdir()
    mapping.write_text("system: police\nmappings: [\n  bad", encoding="utf-8")
    result = subprocess.run(
        [*_hub_command(), "check"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env=_env(HUB_MAPPINGS_DIR=str(mapping.parent), HUB_DATA_DIR=str(tmp_path)), check=False,
    )
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"configuration error: {mapping}: ") and "not valid YAML" in line


def test_sigterm_finishes_the_batch_in_hand_and_loses_nothing(
    broker_url: str, make_hub: Callable[..., RunningHub], tmp_path: Path
) -> None:
    department = make_hub(broker_url).open()
    # Enough that the worker is still busy when the signal lands (RabbitMQ is much faster).
    inputs = 3000 if broker_url.startswith("amqp") else 400
    record = json.loads((RECORDS / "licence.json").read_bytes())
    for n in range(inputs):
        record["licence_number"] = f"JY{n:014d}"
        department.publish("market.administrative_licence", json.dumps(record).encode())
    worker = subprocess.Popen(
        [*_hub_command(), "run"],
        env=_env(HUB_BROKER_URL=broker_url, HUB_CONFIRM_BATCH_SIZE="50", HUB_DATA_DIR=str(tmp_path)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while department.depth("hub.out.city-platform") < 50:
            assert time.monotonic() < deadline and worker.poll() is None, "the worker made no progress"
            time.sleep(0.05)
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, stderr
    assert "SIGTERM received" in stderr and "hub stopped cleanly" in stderr
    delivered = department.depth("hub.out.city-platform")
    assert delivered == department.depth("hub.out.credit-platform"), "every acked input has all its outputs"
    left = department.depth("hub.inbound")
    assert left > 0, "the test stopped the worker before it finished; raise the input count"
    assert delivered + left == inputs, f"{delivered} delivered + {left} waiting != {inputs}"


@pytest.mark.rabbitmq
def test_a_worker_killed_mid_stream_loses_nothing_its_successor_finishes(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub], tmp_path: Path
) -> None:
    department = make_hub(rabbitmq_url).open()
    inputs = 3000
    record = json.loads((RECORDS / "licence.json").read_bytes())
    for n in range(inputs):
        record["licence_number"] = f"JY{n:014d}"
        department.publish("market.administrative_licence", json.dumps(record).encode())
    env = _env(HUB_BROKER_URL=rabbitmq_url, HUB_DATA_DIR=str(tmp_path))
    victim = subprocess.Popen([*_hub_command(), "run"], env=env, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while department.depth("hub.out.city-platform") < 300:
        assert time.monotonic() < deadline and victim.poll() is None, "the worker made no progress"
        time.sleep(0.02)
    victim.kill()  # SIGKILL: no chance to finish its batch
    victim.wait(30)
    assert department.depth("hub.inbound") > 0, "the worker finished before it was killed"
    successor = subprocess.Popen([*_hub_command(), "run"], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while department.depth("hub.inbound") > 0 or department.depth("hub.out.credit-platform") < inputs:
            assert time.monotonic() < deadline, "the successor did not finish the stream"
            time.sleep(0.1)
    finally:
        successor.send_signal(signal.SIGTERM)
        successor.wait(60)
    delivered = department.read("hub.out.city-platform", department.depth("hub.out.city-platform"))
    numbers = [m.json()["payload"]["licence_number"] for m in delivered]
    assert set(numbers) == {f"JY{n:014d}" for n in range(inputs)}, "every input was delivered"
    duplicates = len(numbers) - len(set(numbers))
    print(f"reconciliation: {inputs} in, {len(set(numbers))} delivered, {duplicates} twice")
    # At-least-once: only inputs unacked when the worker died (at most the prefetch) come twice.
    assert duplicates <= department.settings.prefetch_count, duplicates
