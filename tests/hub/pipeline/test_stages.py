"""Each pipeline stage on its own: the form it takes, the form it hands on, and when it refuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.pipeline.build import build
from hub.pipeline.forms import (
    Refusal,
    Routed,
    Stamp,
    Standardised,
    UnderReview,
)
from hub.pipeline.receive import check_addressing, receive
from hub.pipeline.route import route
from hub.pipeline.standardise import standardise
from routes import RoutingDecision
from schemas.contract.envelope import Envelope
from schemas.contract.messages import InboundMessage
from schemas.contract.problems import ADAPTER_PROBLEMS_HEADER
from tests.hub.conftest import RECORDS

AT = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
STAMP = Stamp(lambda: AT, "node:1")
LICENCE = json.loads((RECORDS / "licence.json").read_bytes())
PILOT = "91350100M000100Y44"  # invented: valid characters, wrong check character


@pytest.fixture(scope="module")
def hub() -> Hub:
    return Hub(load_settings(broker_url="memory://"))


def _message(body: bytes | None = None, key: str = "market.administrative_licence",
             **properties: Any) -> InboundMessage:
    if body is None:
        body = json.dumps(LICENCE, ensure_ascii=False).encode()
    return InboundMessage(body=body, routing_key=key, content_type="application/json",
                          **properties)


def _standardised(hub: Hub, **changes: Any) -> Standardised | UnderReview | Refusal:
    body = json.dumps({**LICENCE, **changes}, ensure_ascii=False).encode()
    return standardise(receive(_message(body), STAMP), STAMP, hub.mappings, {PILOT})


def _stages(form: Any) -> list[str]:
    return [h.stage for h in form.hops]


# -- receive ---------------------------------------------------------------------------------

def test_receive_identifies_the_input_and_passes_a_well_addressed_one_on_unchanged(
    hub: Hub,
) -> None:
    message = _message(headers={"hub-schema-version": "1.0"}, message_id="src-1")
    received = receive(message, STAMP)
    assert (received.input.source, received.input.record_type) == ("market",
                                                                  "administrative_licence")
    assert (received.input.schema_version, received.input.received_at) == ("1.0", AT)
    assert received.input.message is message and received.input.correlation_id == "src-1"
    assert [(h.stage, h.node) for h in received.hops] == [("received", "node:1")]
    assert check_addressing(received, hub.systems, 65536) is received


@pytest.mark.parametrize(
    ("message", "codes"),
    [
        (_message(key="nobody.administrative_licence"), ["source.unknown"]),
        (_message(b"x" * 200), ["message.too_large"]),
        (_message(headers={ADAPTER_PROBLEMS_HEADER: json.dumps(
            [{"code": "csv.columns", "message": "m"}, {"code": "csv.row", "message": "n"}])}),
         ["csv.columns", "csv.row"]),
    ],
    ids=["unknown-source", "too-large", "adapter-problems"],
)
def test_receive_refuses_what_is_not_properly_addressed_before_reading_the_body(
    hub: Hub, message: InboundMessage, codes: list[str],
) -> None:
    received = receive(message, STAMP)
    refusal = check_addressing(received, hub.systems, 100)
    assert isinstance(refusal, Refusal)
    assert [p.code for p in refusal.problems] == codes
    assert refusal.input is received.input and refusal.hops == received.hops


# -- standardise -----------------------------------------------------------------------------

def test_standardise_hands_on_the_unified_record_with_its_repairs(hub: Hub) -> None:
    fullwidth = "９１３１０１１２０８７９９４９３２Ｆ"
    form = _standardised(hub, party={**LICENCE["party"], "credit_code": fullwidth})
    assert isinstance(form, Standardised)
    assert form.credit_code == form.record["party"]["credit_code"] == "91310112087994932F"
    assert [r["original"] for r in form.repairs] == [fullwidth]
    assert _stages(form) == ["received", "standardised"]
    assert form.hops[-1].detail == "repaired; 1 repairs"


def test_standardise_refuses_a_body_it_cannot_decode_and_sends_doubtful_codes_to_review(
    hub: Hub,
) -> None:
    received = receive(_message(b"{not json"), STAMP)
    refusal = standardise(received, STAMP, hub.mappings, None)
    assert isinstance(refusal, Refusal)
    assert [p.code for p in refusal.problems] == ["json.malformed"]
    assert refusal.hops == received.hops and refusal.credit_code is None
    review = _standardised(hub, party={**LICENCE["party"], "credit_code": PILOT})
    assert isinstance(review, UnderReview)
    assert [p.code for p in review.problems] == ["credit_code.nonconforming"]


# -- route -----------------------------------------------------------------------------------

def test_route_names_each_destination_with_the_rules_behind_it(hub: Hub) -> None:
    standardised = _standardised(hub)
    assert isinstance(standardised, Standardised)
    routed = route(standardised, STAMP, hub.routes)
    assert isinstance(routed, Routed)
    assert "city-platform" in routed.destinations
    assert {m.destination for m in routed.matches} == set(routed.destinations)
    assert routed.record is standardised.record
    assert _stages(routed) == ["received", "standardised", "routed"]


def test_route_refuses_a_record_no_route_takes_keeping_its_credit_code(hub: Hub) -> None:
    class Nowhere:
        def route(self, *args: object) -> RoutingDecision:
            return RoutingDecision(destinations=())

    standardised = _standardised(hub)
    assert isinstance(standardised, Standardised)
    refusal = route(standardised, STAMP, Nowhere())  # type: ignore[arg-type]
    assert isinstance(refusal, Refusal)
    assert refusal.credit_code == standardised.credit_code == LICENCE["party"]["credit_code"]
    assert refusal.hops == standardised.hops and refusal.repairs == ()


# -- build -----------------------------------------------------------------------------------

def test_build_sends_the_routed_envelope_to_each_destination_and_no_feedback_unasked(
    hub: Hub,
) -> None:
    standardised = _standardised(hub)
    assert isinstance(standardised, Standardised)
    routed = route(standardised, STAMP, hub.routes)
    assert isinstance(routed, Routed)
    outcome = build(routed, STAMP, receipts=False, systems=hub.systems)
    assert outcome.status == "delivered" and outcome.destinations == routed.destinations
    assert [o.routing_key for o in outcome.outputs] == list(routed.destinations)
    envelope = Envelope.from_bytes(outcome.outputs[0].body)
    assert envelope.hops == list(routed.hops) and envelope.payload == routed.record
    assert envelope.content_hash == outcome.content_hash
    with_receipts = build(routed, STAMP, receipts=True, systems=hub.systems)
    assert [o.routing_key for o in with_receipts.outputs][-1] == "market"


def test_build_quarantines_a_refusal_byte_for_byte_and_answers_the_source(hub: Hub) -> None:
    message = _message(b"{not json", reply_to="hub.reply.market.replies")
    refusal = standardise(receive(message, STAMP), STAMP, hub.mappings, None)
    assert isinstance(refusal, Refusal)
    outcome = build(refusal, STAMP, receipts=False, systems=hub.systems)
    quarantine, to_source, to_reply = outcome.outputs
    assert (outcome.status, quarantine.routing_key, quarantine.body) == (
        "rejected", "quarantine", message.body)
    assert json.loads(quarantine.headers["hub-reasons"])[0]["code"] == "json.malformed"
    assert (to_source.routing_key, to_reply.routing_key, to_reply.mandatory) == (
        "market", "hub.reply.market.replies", False)
    feedback = Envelope.from_bytes(to_source.body)
    assert [h.stage for h in feedback.hops] == ["received", "rejected", "feedback"]
    assert feedback.payload["status"] == "rejected"
    unknown = build(refusal, STAMP, receipts=False, systems=set())
    assert [o.routing_key for o in unknown.outputs] == ["quarantine", "hub.reply.market.replies"]
