"""Every registered reason shows in the scraped /metrics under its own label, never as ``other``.

Rejections are counted through MetricsHooks (one refused record per reason, and real refusals
from the processor); the registry is served by the monitoring endpoint over real HTTP and the
text parsed back, as Prometheus would read it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.config.system_catalogue import SystemCatalogue
from hub.delivery.runner import DeliveryEvent
from hub.pipeline.processor import Outcome, Processor
from hub.pipeline.reasons import REASONS
from monitor.endpoint import MonitorApp, MonitorServer
from monitor.hooks import MetricsHooks
from schemas.contract.messages import InboundMessage
from schemas.contract.problems import Problem

LICENCE = Path(__file__).parents[1] / "hub" / "records" / "licence.json"
SOURCE = "tax"


@pytest.fixture(scope="module")
def processor(tmp_path_factory: pytest.TempPathFactory) -> Processor:
    return Hub(load_settings(broker_url="memory://",
                             data_dir=tmp_path_factory.mktemp("hub"))).processor()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = MonitorServer(MonitorApp(REGISTRY, dict, dict), "127.0.0.1", 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.close()


def scraped(endpoint: str, metric: str, label: str, **fixed: str) -> dict[str, float]:
    """Value of ``metric`` by the value of ``label``, among samples with the ``fixed`` labels."""
    text = requests.get(f"{endpoint}/metrics", timeout=5).text
    return {s.labels[label]: s.value for family in text_string_to_metric_families(text)
            for s in family.samples
            if s.name == metric and fixed.items() <= s.labels.items()}


def process(processor: Processor, body: bytes, content_type: str, routing_key: str) -> Outcome:
    return processor.process(InboundMessage(body=body, routing_key=routing_key,
                                            content_type=content_type))


def test_every_registered_reason_is_its_own_rejection_label(processor: Processor,
                                                           endpoint: str) -> None:
    hooks = MetricsHooks(SystemCatalogue.load().ids)
    refused = process(processor, b"{}", "application/json", f"{SOURCE}.administrative_licence")
    assert refused.status == "rejected"
    before = scraped(endpoint, "hub_rejections_total", "reason", source=SOURCE)
    for code in sorted(REASONS.codes()):
        hooks.on_outcome(dataclasses.replace(refused, problems=(Problem(code, "", "x"),)))
    after = scraped(endpoint, "hub_rejections_total", "reason", source=SOURCE)
    counted = {reason for reason, value in after.items() if value - before.get(reason, 0) == 1}
    assert counted == REASONS.codes()
    assert after.get("other", 0) == before.get("other", 0)


def test_every_registered_reason_is_its_own_dead_letter_label(endpoint: str) -> None:
    hooks = MetricsHooks(SystemCatalogue.load().ids)
    queue = "hub.out.city-platform.dead"
    before = scraped(endpoint, "hub_dead_letters_total", "reason", queue=queue)
    for code in sorted(REASONS.codes()):
        hooks.on_delivery(DeliveryEvent("dead_lettered", "city-platform", None, 1,
                                        f"{code}: why", datetime.now(UTC)))
    after = scraped(endpoint, "hub_dead_letters_total", "reason", queue=queue)
    counted = {reason for reason, value in after.items() if value - before.get(reason, 0) == 1}
    assert counted == REASONS.codes()


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"<licence/>", "application/xml", "xml.root_mismatch"),
        (b"<!DOCTYPE x><x/>", "application/xml", "xml.doctype_forbidden"),
        (b"{}", "text/csv", "body.content_type_unsupported"),
    ],
)
def test_a_refused_record_is_counted_under_its_transform_reason(
    processor: Processor, endpoint: str, body: bytes, content_type: str, reason: str,
) -> None:
    hooks = MetricsHooks(SystemCatalogue.load().ids)
    before = scraped(endpoint, "hub_rejections_total", "reason", source=SOURCE)
    outcome = process(processor, body, content_type, f"{SOURCE}.administrative_licence")
    assert [p.code for p in outcome.problems] == [reason]
    hooks.on_outcome(outcome)
    after = scraped(endpoint, "hub_rejections_total", "reason", source=SOURCE)
    assert after[reason] - before.get(reason, 0) == 1


def test_a_route_refusal_is_counted_under_its_route_reason(processor: Processor,
                                                          endpoint: str) -> None:
    record = json.loads(LICENCE.read_bytes())
    hooks = MetricsHooks(SystemCatalogue.load().ids)
    before = scraped(endpoint, "hub_rejections_total", "reason", source="market")
    outcome = process(processor, json.dumps(record, ensure_ascii=False).encode(),
                      "application/json", "market.administrative_licence")
    refused = dataclasses.replace(outcome, problems=(Problem("route.bad_field", "x", "y"),))
    hooks.on_outcome(refused)
    after = scraped(endpoint, "hub_rejections_total", "reason", source="market")
    assert after["route.bad_field"] - before.get("route.bad_field", 0) == 1
