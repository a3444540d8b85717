"""The processor without a broker: outcomes, outputs and the feedback it writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

import schemas
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.pipeline.processor import Outcome, Processor
from schemas.contract.messages import InboundMessage
from tests.hub.conftest import RECORDS

LICENCE = json.loads((RECORDS / "licence.json").read_bytes())
FIXED = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def hub() -> Hub:
    return Hub(load_settings(broker_url="memory://"))


def _processor(hub: Hub, **options: Any) -> Processor:
    return Processor(
        systems=hub.systems, routes=hub.routes, mappings=hub.mappings,
        max_message_bytes=65536, clock=lambda: FIXED, **options,
    )


def _licence(**changes: object) -> bytes:
    return json.dumps({**LICENCE, **changes}, ensure_ascii=False).encode()


def _process(processor: Processor, body: bytes, key: str = "market.administrative_licence") -> Outcome:
    return processor.process(InboundMessage(body=body, routing_key=key, content_type="application/json"))


def _feedback_payloads(outcome: Outcome) -> list[dict]:
    return [json.loads(o.body)["payload"] for o in outcome.outputs
            if o.headers.get("hub-record-type") == "feedback"]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        _licence(decision_date="2026-13-45"),
        _licence(party={**LICENCE["party"], "credit_code": "91310112087894932X"}),
        _licence(party={**LICENCE["party"], "credit_code": "９１３１０１１２０８７９９４９３２Ｆ"}),
    ],
    ids=["malformed", "bad-date", "bad-code", "repaired-code"],
)
def test_every_feedback_record_the_hub_writes_meets_the_standard(hub: Hub, body: bytes) -> None:
    outcome = _process(_processor(hub), body)
    [payload] = _feedback_payloads(outcome)
    verdict = schemas.validate_record("feedback", payload)
    assert verdict.status == "valid", verdict.problems


def test_receipts_send_an_accepted_feedback_for_a_good_record(hub: Hub) -> None:
    outcome = _process(_processor(hub, receipts=True), _licence())
    [payload] = _feedback_payloads(outcome)
    assert payload["status"] == "accepted" and payload["problems"] == []


@pytest.mark.parametrize(
    ("allowed", "reason"),
    [({"91350100M000100Y44"}, "credit_code.nonconforming"), (set(), "credit_code.suspect")],
    ids=["allow-listed", "suspect"],
)
def test_a_code_failing_only_its_check_character_goes_to_review_not_quarantine(
    hub: Hub, allowed: set[str], reason: str
) -> None:
    pilot = "91350100M000100Y44"  # invented for the test: valid characters, wrong check character
    assert schemas.check_credit_code(pilot) == "credit_code.checksum"
    party = {**LICENCE["party"], "credit_code": pilot}
    outcome = _process(_processor(hub, nonconforming_codes=allowed), _licence(party=party))
    assert outcome.status == "review"
    assert [o.routing_key for o in outcome.outputs] == ["review", "market"]
    [feedback] = _feedback_payloads(outcome)
    assert feedback["status"] == "review"
    assert [p["code"] for p in feedback["problems"]] == [reason]


def test_a_code_whose_organisation_code_fails_too_is_quarantined(hub: Hub) -> None:
    mistyped = "91350100M000200Y44"  # a digit of the organisation code changed as well
    party = {**LICENCE["party"], "credit_code": mistyped}
    outcome = _process(_processor(hub, nonconforming_codes=set()), _licence(party=party))
    assert outcome.status == "rejected"
    assert [p.code for p in outcome.problems] == ["credit_code.checksum"]


def test_a_bug_in_a_stage_quarantines_the_input_instead_of_losing_it(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    processor = _processor(hub)

    def broken_route(*args: object) -> None:
        raise RuntimeError("route table corrupted")

    monkeypatch.setattr(processor.routes, "route", broken_route)
    outcome = _process(processor, _licence())
    assert outcome.status == "rejected"
    assert [p.code for p in outcome.problems] == ["hub.internal_error"]
    assert outcome.outputs[0].routing_key == "quarantine"
    assert outcome.outputs[0].body == _licence()


def test_the_trace_records_each_stage_with_its_time_and_worker(hub: Hub) -> None:
    outcome = _process(_processor(hub), _licence())
    envelope = json.loads(outcome.outputs[0].body)
    stages = [(h["stage"], h["at"]) for h in envelope["hops"]]
    assert stages == [(s, "2026-11-28T08:00:00Z") for s in ("received", "standardised", "routed")]
    assert "city-platform" in envelope["hops"][-1]["detail"]
    assert all(":" in h["node"] for h in envelope["hops"])


def test_feedback_is_not_accepted_from_sources(hub: Hub) -> None:
    outcome = _process(_processor(hub), b"{}", key="market.feedback")
    assert [p.code for p in outcome.problems] == ["record_type.not_accepted"]
