"""The whole hub with the city platform connected over SOAP, as in the connections file the
simulator describes: a department's record goes up to the city through soap-call, and a city
record comes down through soap-serve to the district bureau, never back up."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from adapters.simulators.city_platform import CityPlatformSimulator
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import JournalWriter
from schemas.contract.topology import outbound_queue_name
from tests.adapters.soap.conftest import LICENCE, licence
from tests.support.running_hub import RunningHub


def _eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def hub_with_city(
    broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    city: CityPlatformSimulator,
) -> Iterator[RunningHub]:
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        yaml.safe_dump({"connections": {"city-platform": city.connection()}}, allow_unicode=True),
        encoding="utf-8",
    )
    for key, value in {
        "HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": str(tmp_path),
        "HUB_CONNECTIONS_FILE": str(connections), "HUB_DELIVERY_RETRY_SCHEDULE": "1s",
    }.items():
        monkeypatch.setenv(key, value)
    hub = Hub(load_settings())
    journal = hub.open_journal()
    writer = JournalWriter(journal, flush_interval=0.05)
    runtime = hub.runtime(journal, writer)
    runtime.start()
    assert runtime.wait_ready(30)
    department = RunningHub(broker_url, tmp_path).open()
    yield department
    runtime.stop()
    runtime.join(60)
    writer.close()
    journal.close()
    department.close()


def test_a_department_record_goes_up_to_the_city_over_soap(
    hub_with_city: RunningHub, city: CityPlatformSimulator,
) -> None:
    hub_with_city.publish("market.administrative_licence",
                          json.dumps(LICENCE, ensure_ascii=False).encode())
    _eventually(lambda: len(city.received()) == 1)
    (stored,) = city.received()
    assert stored["source"] == "market" and stored["record_type"] == "administrative_licence"
    assert stored["payload"]["licence_number"] == LICENCE["licence_number"]
    assert stored["content_hash"].startswith("sha256:")


def test_a_city_record_comes_down_over_soap_to_the_district_bureau(
    hub_with_city: RunningHub, city: CityPlatformSimulator,
) -> None:
    record = licence("SC10631011200123")
    _eventually(lambda: _emitted(city, record))  # the hub's endpoint may still be starting
    (delivered,) = hub_with_city.read(outbound_queue_name("market"), 1)
    envelope = delivered.json()
    assert envelope["source"] == "city-platform"
    assert envelope["payload"]["licence_number"] == "SC10631011200123"
    time.sleep(0.5)
    assert city.received() == []  # never routed back to where it came from


def _emitted(city: CityPlatformSimulator, record: dict[str, object]) -> bool:
    try:
        city.emit(record, "administrative_licence")
    except OSError:
        return False
    return True
