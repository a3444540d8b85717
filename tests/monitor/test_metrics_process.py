"""The metrics directory shared by a host's hub processes: housekeeping and import order."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor import process


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of another process that stays alive during the test."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield sleeper.pid
    sleeper.kill()
    sleeper.wait()


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def files(directory: Path, *names: str) -> None:
    for name in names:
        (directory / name).write_bytes(b"\0" * 8)


def test_with_no_writer_alive_the_directory_is_emptied(tmp_path: Path) -> None:
    gone = dead_pid()
    files(tmp_path, f"counter_{gone}.db", f"histogram_{gone}.db", f"gauge_livesum_{gone}.db",
          f"gauge_max_{gone}.db")
    process.tidy(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_with_a_writer_alive_only_the_dead_ones_live_gauges_go(tmp_path: Path, live_pid: int) -> None:
    gone = dead_pid()
    files(tmp_path, f"counter_{gone}.db", f"gauge_livesum_{gone}.db", f"gauge_livemax_{gone}.db",
          f"gauge_max_{gone}.db", f"counter_{live_pid}.db", f"gauge_livesum_{live_pid}.db")
    process.tidy(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([
        f"counter_{gone}.db", f"gauge_max_{gone}.db",  # totals never go back while others run
        f"counter_{live_pid}.db", f"gauge_livesum_{live_pid}.db",
    ])


def test_the_directory_cannot_be_set_once_prometheus_client_counts_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import prometheus_client  # noqa: F401 - imported, as in any process that recorded already

    monkeypatch.delenv(process.ENVIRONMENT_VARIABLE, raising=False)
    with pytest.raises(process.MetricsDirectoryError, match="counts in memory"):
        process.use_directory(tmp_path / "metrics")
    assert process.ENVIRONMENT_VARIABLE not in os.environ


RECORDER = """
import pathlib, sys
from monitor import process
process.use_directory(pathlib.Path(sys.argv[1]))
from monitor import metrics
metrics.MESSAGES_IN.labels("market", "administrative_licence", "routed").inc(3)
metrics.IN_FLIGHT.inc(2)
if sys.argv[2] == "stay":
    print("recorded", flush=True)
    sys.stdin.readline()
else:
    process.retire()
"""


def test_processes_that_set_the_directory_first_add_up_and_a_fresh_start_resets(
    tmp_path: Path,
) -> None:
    root = Path(__file__).parents[2]
    command = [sys.executable, "-c", RECORDER, str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": str(root)}
    staying = subprocess.Popen([*command, "stay"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, cwd=root, env=env)
    try:
        assert staying.stdout is not None and staying.stdout.readline() == "recorded\n"
        subprocess.run([*command, "retire"], check=True, cwd=root, env=env)
        assert collected(tmp_path) == (6, 2)  # the retired process's live gauge is gone
    finally:
        staying.kill()
        staying.wait()
    subprocess.run([*command, "retire"], check=True, cwd=root, env=env)
    assert collected(tmp_path) == (3, None)  # nobody was alive: the hub started afresh


def collected(directory: Path) -> tuple[float | None, float | None]:
    from prometheus_client import CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    labels = {"source": "market", "record_type": "administrative_licence", "outcome": "routed"}
    return (registry.get_sample_value("hub_messages_in_total", labels),
            registry.get_sample_value("hub_messages_in_flight", {}))
