"""The records-lookup client (live profiles) against the credit platform simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.registry import AdapterRegistry
from adapters.rest.records_lookup import RecordsLookupClient, RecordsLookupConfig
from adapters.sdk import PermanentError, RecordsLookupAdapter, TransientError
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.ports import free_port

SAMPLE = Path(__file__).parents[2] / "schemas" / "samples" / "valid" / "credit_record.json"
CODE = json.loads(SAMPLE.read_text(encoding="utf-8"))["credit_code"]


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[CreditPlatformSimulator]:
    simulator = CreditPlatformSimulator()
    simulator.start()
    monkeypatch.setenv(simulator.pull_variable, simulator.pull_token)
    record = json.loads(SAMPLE.read_text(encoding="utf-8"))
    simulator.emit(record, "credit_record")
    simulator.emit({**record, "record_id": "XY-2024-1002", "title": "守合同重信用企业"},
                   "credit_record")
    simulator.emit({**record, "record_id": "XY-2024-1003", "credit_code": "OTHER"},
                   "credit_record")
    yield simulator
    simulator.stop()


def client(config: dict[str, object]) -> RecordsLookupClient:
    adapter = RecordsLookupClient(RecordsLookupConfig.model_validate(config),
                                  system="credit-platform")
    adapter.start()
    return adapter


def test_the_entitys_records_as_the_platform_holds_them(platform: CreditPlatformSimulator) -> None:
    lookup = client(platform.lookup_config())
    try:
        records = lookup.lookup_records(f" {CODE} ")
        assert records is not None
        assert [r["record_id"] for r in records] == ["XY-2024-1001", "XY-2024-1002"]
        assert lookup.lookup_records("91310112087994932F") is None  # not known: 404
        assert lookup.health().ok
    finally:
        lookup.close()


def test_wrong_credentials_are_permanent_and_a_dead_platform_transient(
    platform: CreditPlatformSimulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(platform.pull_variable, "not-the-token")
    refused = client(platform.lookup_config())
    with pytest.raises(PermanentError, match="401"):
        refused.lookup_records(CODE)
    refused.close()
    dead = client({"url": f"http://127.0.0.1:{free_port()}/entities/{{credit_code}}/records",
                   "timeout_seconds": 0.5})
    with pytest.raises(TransientError):
        dead.lookup_records(CODE)
    assert not dead.health().ok
    dead.close()


def test_the_registry_knows_it_as_a_lookup() -> None:
    assert issubclass(AdapterRegistry().load("records-lookup"), RecordsLookupAdapter)
