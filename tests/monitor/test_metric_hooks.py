"""MetricsHooks count what the pipeline, deliveries, reviews and adapters report, with bounded labels.

Outcomes come from the real processor on real records; values are read from prometheus-client's
in-memory registry (this test process records no metrics directory), as differences, since the
registry lives as long as the process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.config.system_catalogue import SystemCatalogue
from hub.delivery.runner import DeliveryEvent
from hub.pipeline.processor import Outcome, Processor
from hub.review import ReviewOutcome
from monitor.hooks import MetricsHooks
from schemas.contract.envelope import Envelope
from schemas.contract.messages import InboundMessage

LICENCE = Path(__file__).parents[1] / "hub" / "records" / "licence.json"


@pytest.fixture(scope="module")
def processor(tmp_path_factory: pytest.TempPathFactory) -> Processor:
    data = tmp_path_factory.mktemp("hub")
    return Hub(load_settings(broker_url="memory://", data_dir=data)).processor()


@pytest.fixture
def hooks() -> MetricsHooks:
    return MetricsHooks(SystemCatalogue.load().ids)


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Delta:
    """Sample values before and after a block, by (name, labels)."""

    def __init__(self, *samples: tuple[str, dict[str, str]]) -> None:
        self.samples = samples
        self.before = [value(name, **labels) for name, labels in samples]

    def changes(self) -> list[float]:
        return [value(name, **labels) - was
                for (name, labels), was in zip(self.samples, self.before, strict=True)]


def process(processor: Processor, routing_key: str, record: dict[str, object]) -> Outcome:
    body = json.dumps(record, ensure_ascii=False).encode()
    return processor.process(InboundMessage(body=body, routing_key=routing_key,
                                            content_type="application/json"))


def licence(**changes: object) -> dict[str, object]:
    record = json.loads(LICENCE.read_bytes())
    record.update(changes)
    return record


def test_a_routed_input_counts_in_once_and_out_once_per_destination(
    processor: Processor, hooks: MetricsHooks,
) -> None:
    outcome = process(processor, "market.administrative_licence", licence())
    assert outcome.status == "delivered" and len(outcome.destinations) >= 2
    labels = {"source": "market", "record_type": "administrative_licence"}
    out = [("hub_messages_out_total", {**labels, "destination": d, "outcome": "queued"})
           for d in outcome.destinations]
    delta = Delta(("hub_messages_in_total", {**labels, "outcome": "routed"}),
                  ("hub_processing_seconds_count", {"record_type": "administrative_licence"}),
                  ("hub_messages_in_flight", {}), *out)
    hooks.on_outcome(outcome)
    assert delta.changes() == [1, 1, 1] + [1] * len(out)
    assert value("hub_source_last_received_timestamp_seconds", source="market") == (
        outcome.received_at.timestamp())

    released = Delta(("hub_messages_in_flight", {}))
    hooks.on_released(1)
    assert released.changes() == [-1]


def test_a_rejected_input_counts_each_reason_once_and_the_feedback_sent(
    processor: Processor, hooks: MetricsHooks,
) -> None:
    outcome = process(processor, "tax.administrative_licence",
                      licence(extra_one=1, extra_two=2, extra_three=3))
    assert outcome.status == "rejected"
    codes = [p.code for p in outcome.problems]
    assert codes.count("field.unknown") == 3
    delta = Delta(
        ("hub_messages_in_total", {"source": "tax", "record_type": "administrative_licence",
                                   "outcome": "rejected"}),
        ("hub_rejections_total", {"source": "tax", "reason": "field.unknown"}),
        ("hub_feedback_total", {"source": "tax", "status": "rejected"}),
    )
    hooks.on_outcome(outcome)
    assert delta.changes() == [1, 1, 1]


def test_a_source_or_record_type_outside_the_catalogue_is_counted_as_unknown(
    processor: Processor, hooks: MetricsHooks,
) -> None:
    outcome = process(processor, "nobody.made_up_type", licence())
    assert (outcome.source, outcome.status) == ("nobody", "rejected")
    delta = Delta(("hub_messages_in_total", {"source": "unknown", "record_type": "unknown",
                                             "outcome": "rejected"}))
    hooks.on_outcome(outcome)
    assert delta.changes() == [1]
    assert REGISTRY.get_sample_value("hub_messages_in_total", {
        "source": "nobody", "record_type": "made_up_type", "outcome": "rejected"}) is None


@pytest.fixture
def envelope(processor: Processor) -> Iterator[Envelope]:
    outcome = process(processor, "market.administrative_licence", licence())
    city = next(o for o in outcome.outputs if o.routing_key == "city-platform")
    yield Envelope.from_bytes(city.body)


def test_delivery_steps_count_outcomes_retries_dead_letters_and_latency(
    envelope: Envelope, hooks: MetricsHooks,
) -> None:
    out = {"source": "market", "destination": "city-platform",
           "record_type": "administrative_licence"}
    delta = Delta(
        ("hub_messages_out_total", {**out, "outcome": "delivered"}),
        ("hub_messages_out_total", {**out, "outcome": "duplicate"}),
        ("hub_messages_out_total", {**out, "outcome": "dead_lettered"}),
        ("hub_retries_total", {"destination": "city-platform"}),
        ("hub_dead_letters_total", {"queue": "hub.out.city-platform.dead",
                                    "reason": "delivery.refused"}),
        ("hub_dead_letters_total", {"queue": "hub.out.city-platform.dead", "reason": "other"}),
        ("hub_end_to_end_seconds_count", {"destination": "city-platform"}),
        ("hub_end_to_end_seconds_bucket", {"destination": "city-platform", "le": "5.0"}),
    )
    later = envelope.received_at + timedelta(seconds=3)

    def event(kind: str, detail: str = "") -> DeliveryEvent:
        return DeliveryEvent(kind, "city-platform", envelope, 1, detail, later)

    for step in (event("retried", "in 10s: timed out"), event("delivered"), event("duplicate"),
                 event("dead_lettered", "delivery.refused: HTTP 422"),
                 event("dead_lettered", "made.up: whatever")):
        hooks.on_delivery(step)
    assert delta.changes() == [1, 1, 2, 1, 1, 1, 1, 1]
    assert value("hub_system_last_success_timestamp_seconds", system="city-platform",
                 direction="outbound") == later.timestamp()


def test_review_verdicts_count_reviews_routes_feedback_and_hand_overs(
    envelope: Envelope, hooks: MetricsHooks,
) -> None:
    labels = {"source": "market", "record_type": "administrative_licence"}
    delta = Delta(
        ("hub_reviews_total", {**labels, "outcome": "verified"}),
        ("hub_reviews_total", {**labels, "outcome": "handed_over"}),
        ("hub_messages_out_total", {**labels, "destination": "tax", "outcome": "queued"}),
        ("hub_feedback_total", {"source": "market", "status": "accepted"}),
        ("hub_retries_total", {"destination": "review"}),
        ("hub_dead_letters_total", {"queue": "hub.review.dead",
                                    "reason": "review.lookup_unavailable"}),
    )
    at = envelope.received_at
    hooks.on_review(ReviewOutcome("verified", envelope, at, 1, destinations=("tax",)))
    hooks.on_review(ReviewOutcome("retried", envelope, at, 1, "in 10s: 503"))
    hooks.on_review(ReviewOutcome("handed_over", envelope, at, 2,
                                  "review.lookup_unavailable: 503"))
    assert delta.changes() == [1, 1, 1, 1, 1, 1]


def test_adapter_records_count_by_outcome_and_mark_the_system_fresh(hooks: MetricsHooks) -> None:
    delta = Delta(
        ("hub_adapter_records_total", {"system": "water", "adapter": "db-poll",
                                       "outcome": "submitted"}),
        ("hub_adapter_records_total", {"system": "water", "adapter": "db-poll",
                                       "outcome": "refused"}),
    )
    hooks.on_adapter_records("water", "db-poll", "submitted", 7)
    hooks.on_adapter_records("water", "db-poll", "refused", 1)
    assert delta.changes() == [7, 1]
    assert value("hub_system_last_success_timestamp_seconds", system="water",
                 direction="inbound") > 0
