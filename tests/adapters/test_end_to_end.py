"""The hub and every simulator running: one record from a department in each of the five
exchange modes reaches the city platform (SOAP), the credit platform (HTTP) and, for the joint
discipline decision, every department that must enforce it, each in its own mode."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.simulators.base import Simulator
from adapters.simulators.world import SimulatedWorld
from hub.app import Hub
from hub.config import load_settings
from hub.runtime import HubRuntime

SAMPLES = Path(__file__).parents[2] / "hub" / "samples"
LICENCE = json.loads((Path(__file__).parents[1] / "hub" / "records" / "licence.json").read_bytes())
DISCIPLINE = json.loads((SAMPLES / "tax-discipline.json").read_bytes())

#: Department (mode) -> the licence number its record carries.
LICENCES = {"market": "JYDB0000000001", "commerce": "JYFILE00000001",
            "construction": "JYREST00000001", "housing": "JYSOAP00000001"}


def _identity(envelope: dict[str, Any]) -> str | None:
    payload = envelope.get("payload") or {}
    return payload.get("licence_number") or payload.get("discipline_id")


def _wait_for(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.2)


@pytest.fixture
def world(broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimulatedWorld]:
    world = SimulatedWorld(tmp_path / "world", broker_url)
    world.start()
    for name, value in world.environment().items():
        monkeypatch.setenv(name, value)
    hub = Hub(load_settings(broker_url=broker_url, data_dir=tmp_path / "hub",
                            connections_file=world.write_connections(),
                            delivery_retry_schedule="1s,2s,5s"))
    journal = hub.open_journal()
    from hub.journal import JournalWriter

    writer = JournalWriter(journal)
    runtime: HubRuntime = hub.runtime(journal, writer)
    runtime.start()
    try:
        assert runtime.wait_ready(60), "every loop of the hub is running"
        yield world
    finally:
        runtime.stop()
        runtime.join(60)
        writer.close()
        journal.close()
        world.stop()


def test_a_record_from_each_mode_reaches_the_platforms_and_the_right_departments(
    world: SimulatedWorld,
) -> None:
    for department, number in LICENCES.items():
        world.simulators[department].emit({**LICENCE, "licence_number": number},
                                          "administrative_licence")
    world.tax.emit(DISCIPLINE, "discipline_measure")
    sent = {*LICENCES.values(), DISCIPLINE["discipline_id"]}

    def holds(simulator: Simulator, expected: set[str]) -> Callable[[], bool]:
        return lambda: expected <= {_identity(e) for e in simulator.received()}

    _wait_for("the city platform has all five records", holds(world.city, sent))
    _wait_for("the credit platform has all five records", holds(world.credit, sent))
    enforcing = {"commerce": world.commerce, "construction": world.construction,
                 "housing": world.housing, "service-hall": world.hall}
    for system, simulator in enforcing.items():
        _wait_for(f"{system} has the discipline decision",
                  holds(simulator, {DISCIPLINE["discipline_id"]}))

    city = [_identity(e) for e in world.city.received()]
    credit = [_identity(e) for e in world.credit.received()]
    assert sorted(city) == sorted(sent), "each record once at the city platform"
    assert sorted(credit) == sorted(sent), "each record once at the credit platform"
    sources = {_identity(e): e["source"] for e in world.city.received()}
    assert sources == {**{n: d for d, n in LICENCES.items()}, DISCIPLINE["discipline_id"]: "tax"}
    for system, simulator in enforcing.items():
        decisions = [e for e in simulator.received() if _identity(e) == DISCIPLINE["discipline_id"]]
        assert len(decisions) == 1, f"{system} holds the decision once"
