"""The hub and every simulator running: one record from a department in each of the five
exchange modes reaches the city platform (SOAP), the credit platform (HTTP) and, for the joint
discipline decision, every department that must enforce it, each in its own mode, once."""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.simulators.world import SimulatedWorld, identity
from hub.app.cli import main
from hub.app.demo import SAMPLES
from hub.assembly import Hub
from hub.config.settings import load_settings
from tests.support.running_runtime import running_runtime


@pytest.fixture
def world(broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedWorld]:
    world = SimulatedWorld(tmp_path / "world", broker_url)
    world.start()
    for name, value in world.environment().items():
        monkeypatch.setenv(name, value)
    hub = Hub(load_settings(broker_url=broker_url, data_dir=tmp_path / "hub",
                            connections_file=world.write_connections(),
                            delivery_retry_schedule="1s,2s,5s"))
    try:
        with running_runtime(hub):
            yield world
    finally:
        world.stop()


def test_a_record_from_each_mode_reaches_the_platforms_and_the_right_departments(
    world: SimulatedWorld,
) -> None:
    traffic = world.emit_samples(json.loads((SAMPLES / "tax-discipline.json").read_bytes()))
    assert sorted(traffic.sent.values()) == ["commerce", "construction", "housing", "market", "tax"]
    deadline = time.monotonic() + 60
    while world.holding(traffic) != traffic.expected:
        assert time.monotonic() < deadline, f"arrived: {world.holding(traffic)}"
        time.sleep(0.2)

    for system in traffic.expected:
        copies = Counter(identity(e) for e in world.simulators[system].received())
        assert all(copies[i] == 1 for i in traffic.expected[system]), f"{system}: {copies}"
    sources = {identity(e): e["source"] for e in world.city.received()}
    assert sources == traffic.sent, "each record is filed under the department that sent it"


def test_hub_simulate_once_reports_every_sample_delivered(tmp_path: Path) -> None:
    saved = dict(os.environ)  # the command exports the simulated credentials
    try:
        result = CliRunner().invoke(
            main, ["--broker-url", f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}", "simulate",
                   "--once", "--folder", str(tmp_path / "world")],
            env={"HUB_DATA_DIR": str(tmp_path)},
        )
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "holds" in line]
    assert len(lines) == 6 and all(line.strip().startswith("ok") for line in lines), result.output
    assert (tmp_path / "world" / "connections.yaml").is_file()
    # The city's records came in over HTTPS, with a throwaway certificate the output names.
    assert "Demo certificate: a throwaway CA" in result.output
    assert "demo-tls/hub-demo.crt" in (tmp_path / "world" / "connections.yaml").read_text()
    # The simulated systems' credentials are readable by this account only.
    assert (tmp_path / "world" / "simulators.env").stat().st_mode & 0o777 == 0o600
