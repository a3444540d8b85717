"""The monitoring endpoint over real HTTP, and the sampler that feeds its gauges."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.parser import text_string_to_metric_families

from adapters.sdk.lifecycle import Health
from monitor.endpoint import MonitorApp, MonitorServer
from monitor.sampler import Sampler, SystemProbe
from monitor.service import endpoint_registry


@pytest.fixture
def components() -> dict[str, bool]:
    return {"worker": True, "adapter:rest-push:market:0": True}


@pytest.fixture
def endpoint(components: dict[str, bool]) -> Iterator[str]:
    registry = CollectorRegistry()
    Counter("demo_things", "Things.", ["kind"], registry=registry).labels("a").inc(2)
    server = MonitorServer(MonitorApp(registry, lambda: components,
                                      lambda: {"tax/outbound": False}), "127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.close()


def test_metrics_are_served_in_the_prometheus_text_format(endpoint: str) -> None:
    response = requests.get(f"{endpoint}/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    [sample] = [s for s in families["demo_things"].samples if s.name == "demo_things_total"]
    assert (sample.labels, sample.value) == ({"kind": "a"}, 2)


def test_readiness_names_every_component_and_fails_while_one_is_not_ready(
    endpoint: str, components: dict[str, bool],
) -> None:
    ready = requests.get(f"{endpoint}/readyz", timeout=5)
    assert (ready.status_code, ready.json()) == (200, {
        "ready": True, "components": components,
        "systems": {"tax/outbound": False},  # reported, not gating: deliveries are retried
    })
    components["adapter:rest-push:market:0"] = False
    not_ready = requests.get(f"{endpoint}/readyz", timeout=5)
    assert not_ready.status_code == 503
    assert not_ready.json()["components"]["adapter:rest-push:market:0"] is False
    assert requests.get(f"{endpoint}/healthz", timeout=5).json()["status"] == "alive"


def test_readiness_with_nothing_to_report_is_not_ready(endpoint: str,
                                                       components: dict[str, bool]) -> None:
    components.clear()
    assert requests.get(f"{endpoint}/readyz", timeout=5).status_code == 503


def test_other_paths_are_a_json_404(endpoint: str) -> None:
    response = requests.get(f"{endpoint}/admin", timeout=5)
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


class Writer:
    def pending(self) -> int:
        return 7

    def lag_seconds(self) -> float:
        return 1.5

    def rejected(self) -> int:
        return 3


def test_the_sampler_sets_broker_systems_and_journal_gauges_and_a_failing_probe_is_down() -> None:
    def broken() -> bool:
        raise ConnectionError("probe failed")

    sampler = Sampler(
        broker_connected=lambda: True,
        probes=[SystemProbe("water", "inbound", lambda: Health(True).ok),
                SystemProbe("tax", "outbound", broken)],
        journal=Writer(), cadences={}, last_received={},
    )
    sampler.sample()
    registry = endpoint_registry()  # what /metrics shows of this process
    value = registry.get_sample_value
    assert value("hub_broker_up", {}) == 1
    assert value("hub_system_up", {"system": "water", "direction": "inbound"}) == 1
    assert value("hub_system_up", {"system": "tax", "direction": "outbound"}) == 0
    assert (value("hub_journal_pending_records", {}), value("hub_journal_lag_seconds", {})) == (
        7, 1.5)
    rejected = value("hub_journal_rejected_records_total", {})
    assert rejected is not None and rejected >= 3  # the writer's 3 (the registry is shared)
    sampler.sample()  # the writer's count has not moved: the counter does not either
    assert value("hub_journal_rejected_records_total", {}) == rejected
