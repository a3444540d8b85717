"""Scatter-gather for live data: the platforms asked in parallel with a deadline, the answer
partial and naming who did not answer; through the REST door against the simulated
legal-entity library."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from hub.app.http.information_api import create_app
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.information.access import AccessPolicy
from hub.information.live import LiveGatherer, LiveSource
from tests.information.conftest import (
    ENTITY,
    HALL_TOKEN,
    OFFICER_TOKEN,
    POLICY,
    Envelopes,
    sample,
)

EVERYTHING = ("enterprise_registration", "credit_record")


def answering(data: dict[str, Any] | None) -> Callable[[str], dict[str, Any] | None]:
    def ask(_code: str) -> dict[str, Any] | None:
        return data
    return ask


def failing(_code: str) -> dict[str, Any] | None:
    raise ConnectionError("connection refused")


@pytest.fixture
def released() -> Iterator[threading.Event]:
    """Set at the end of a test, so a source hanging on it lets its thread go."""
    event = threading.Event()
    yield event
    event.set()


def test_every_source_in_time_is_a_whole_answer() -> None:
    gatherer = LiveGatherer([
        LiveSource("legal-entity-library", "enterprise_registration",
                   answering({"name": "上海闵行示例餐饮有限公司", "status": "存续"})),
        LiveSource("credit-platform", "credit_record", answering(None)),
    ], deadline_seconds=2)
    try:
        live = gatherer.gather(ENTITY, EVERYTHING)
    finally:
        gatherer.close()
    assert live.partial is False and live.missing == {}
    assert live.answers["legal-entity-library"].found is True
    assert live.answers["legal-entity-library"].data == {"name": "上海闵行示例餐饮有限公司",
                                                         "status": "存续"}
    assert live.answers["credit-platform"].found is False


def test_a_slow_or_failing_source_is_named_missing_and_the_rest_answer_within_the_deadline(
    released: threading.Event,
) -> None:
    gatherer = LiveGatherer([
        LiveSource("legal-entity-library", "enterprise_registration",
                   lambda _code: {"hung": released.wait(30)}),
        LiveSource("credit-platform", "credit_record", failing),
    ], deadline_seconds=0.5)
    started = time.monotonic()
    try:
        live = gatherer.gather(ENTITY, EVERYTHING)
    finally:
        gatherer.close()
    assert time.monotonic() - started < 2, "the deadline holds"
    assert live.partial is True and live.answers == {}
    assert live.missing == {"legal-entity-library": "no answer within 0.5 s",
                            "credit-platform": "could not answer: connection refused"}


def test_only_sources_of_record_types_the_caller_may_see_are_asked() -> None:
    asked: list[str] = []

    def ask(code: str) -> dict[str, Any]:
        asked.append(code)
        return {"name": "x"}

    gatherer = LiveGatherer([LiveSource("legal-entity-library", "enterprise_registration", ask)],
                            deadline_seconds=1)
    try:
        live = gatherer.gather(ENTITY, ["administrative_licence"])
    finally:
        gatherer.close()
    assert asked == [] and live.answers == {} and live.missing == {}
    assert live.partial is False


def test_a_platform_not_connected_is_missing() -> None:
    gatherer = LiveGatherer([], deadline_seconds=1)
    try:
        live = gatherer.gather(ENTITY, EVERYTHING)
    finally:
        gatherer.close()
    assert live.partial is True
    assert live.missing == {"legal-entity-library": "not connected to this hub",
                            "credit-platform": "not connected to this hub"}


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> Iterator[LegalEntityLibrarySimulator]:
    simulator = LegalEntityLibrarySimulator()
    simulator.start()
    monkeypatch.setenv(simulator.token_variable, simulator.token)
    simulator.emit({"UNISCID": ENTITY, "ENTNAME": "上海闵行示例餐饮有限公司",
                    "REGORG_CN": "上海市闵行区市场监督管理局"}, "enterprise_registration")
    yield simulator
    simulator.stop()


@pytest.fixture
def credit(monkeypatch: pytest.MonkeyPatch) -> Iterator[CreditPlatformSimulator]:
    simulator = CreditPlatformSimulator()
    simulator.start()
    monkeypatch.setenv(simulator.pull_variable, simulator.pull_token)
    simulator.emit({**sample("credit_record"), "credit_code": ENTITY}, "credit_record")
    yield simulator
    simulator.stop()


def test_a_live_profile_through_the_rest_door_asks_both_platforms(
    library: LegalEntityLibrarySimulator, credit: CreditPlatformSimulator, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connections = tmp_path / "connections.yaml"
    connections.write_text(yaml.safe_dump({"connections": {
        "legal-entity-library": {"lookup": library.lookup_config()},
        "credit-platform": {"lookup": credit.lookup_config()}}}), encoding="utf-8")
    hub = Hub(load_settings(data_dir=tmp_path, broker_url="memory://",
                            connections_file=connections))
    store = hub.open_supervision_store()
    try:
        store.land(Envelopes()("administrative_licence", sample("administrative_licence")))
    finally:
        store.close()
    monkeypatch.setenv("TEST_INFO_HALL", HALL_TOKEN)
    monkeypatch.setenv("TEST_INFO_OFFICER", OFFICER_TOKEN)
    hall, officer = POLICY["callers"]
    policy_file = tmp_path / "access.yaml"
    policy_file.write_text(yaml.safe_dump({"callers": [
        {**hall, "record_types": [*hall["record_types"], "enterprise_registration",
                                  "credit_record"]}, officer,
    ]}, allow_unicode=True), encoding="utf-8")
    with TestClient(create_app(hub, AccessPolicy.load(policy_file))) as client:
        answer = client.get(f"/entities/{ENTITY}", headers={"Authorization": f"Bearer {HALL_TOKEN}"},
                            params={"purpose": "行政审批", "as_of": "2025-06-01", "live": "true"})
        plain = client.get(f"/entities/{ENTITY}", headers={"Authorization": f"Bearer {HALL_TOKEN}"},
                           params={"purpose": "行政审批", "as_of": "2025-06-01"})
    assert answer.status_code == 200, answer.text
    live = answer.json()["live"]
    assert live["partial"] is False and live["missing"] == {}
    assert live["answers"]["legal-entity-library"]["data"]["name"] == "上海闵行示例餐饮有限公司"
    [item] = live["answers"]["credit-platform"]["data"]["items"]
    assert item["record_id"] == sample("credit_record")["record_id"]
    assert answer.json()["licences_in_force"]
    assert plain.json()["live"] is None
