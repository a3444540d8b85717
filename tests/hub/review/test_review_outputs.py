"""What the review verifier publishes and journals for each verdict, without a broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import schemas
from hub.config.system_catalogue import SystemCatalogue
from hub.journal import JournalEvent
from hub.observers.journal_hooks import review_events
from hub.review import ReviewOutcome, Verified
from hub.review.review_outputs import (
    QUARANTINED_AFTER_HEADER,
    rejected_outputs,
    verified_outputs,
)
from routes import RouteMatch, RoutingDecision
from schemas.contract.envelope import Envelope, RegisteredEntity, content_hash
from schemas.contract.messages import OutboundMessage
from schemas.contract.problems import Problem
from tests.hub.conftest import RECORDS

PILOT = "91350100M000100Y44"
CATALOGUE = SystemCatalogue.load()
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
LICENCE = json.loads((RECORDS / "licence.json").read_bytes())
PAYLOAD = schemas.validate_record(
    "administrative_licence", {**LICENCE, "party": {**LICENCE["party"], "credit_code": PILOT}},
    nonconforming_codes={PILOT}).record or {}
ENVELOPE = Envelope(
    message_id="m-1", correlation_id="c-1", source_message_id="row-7", source="market",
    record_type="administrative_licence", schema_version="1.0", received_at=NOW,
    content_hash=content_hash("market", "administrative_licence", PAYLOAD), credit_code=PILOT,
    payload=PAYLOAD,
)
ENTITY = RegisteredEntity(path="party.credit_code", credit_code=PILOT, name=LICENCE["party"]["name"],
                          registration_authority="上海市闵行区市场监督管理局", status="存续",
                          verified_at=NOW)
NOTE = Problem("credit_code.verified", "party.credit_code", f"{PILOT} ... confirms it")
DECISION = RoutingDecision(
    destinations=("city-platform", "credit-platform"),
    matches=(RouteMatch("city-platform", "share-to-city-platform", "every type"),
             RouteMatch("credit-platform", "licences-to-credit", "licences")),
)


def _by_queue(outputs: list[OutboundMessage]) -> dict[str, OutboundMessage]:
    return {o.routing_key: o for o in outputs}


def test_a_verified_record_reaches_its_destinations_enriched_with_its_hash_unchanged() -> None:
    outputs = _by_queue(verified_outputs(ENVELOPE, Verified((ENTITY,), (NOTE,)), DECISION,
                                         at=NOW, node="n:1", source_known=True,
                                         disclosure_of=CATALOGUE.disclosure))
    assert set(outputs) == {"city-platform", "credit-platform", "market"}
    delivered = Envelope.from_bytes(outputs["city-platform"].body)
    assert delivered.payload == ENVELOPE.payload
    assert delivered.content_hash == ENVELOPE.content_hash == outputs["credit-platform"].headers[
        "hub-content-hash"]
    assert delivered.message_id == "m-1" and delivered.entities == [ENTITY]
    assert [(h.stage, h.detail) for h in delivered.hops] == [
        ("verified", f"by the legal-entity library: {PILOT} (party.credit_code)"),
        ("routed", "city-platform, credit-platform by share-to-city-platform, licences-to-credit"),
    ]


def test_a_verified_record_reaches_a_publishing_destination_with_id_numbers_masked() -> None:
    payload = {**PAYLOAD, "party": {**PAYLOAD["party"], "legal_representative_id_number":
                                    "11010519491231002X"}}
    envelope = ENVELOPE.model_copy(update={"payload": payload})
    decision = RoutingDecision(destinations=("city-platform", "service-hall"), matches=DECISION.matches)
    outputs = _by_queue(verified_outputs(envelope, Verified((ENTITY,), (NOTE,)), decision,
                                         at=NOW, node="n:1", source_known=True,
                                         disclosure_of=CATALOGUE.disclosure))
    city, hall = (Envelope.from_bytes(outputs[d].body) for d in ("city-platform", "service-hall"))
    assert city.payload["party"]["legal_representative_id_number"] == "11010519491231002X"
    assert hall.payload["party"]["legal_representative_id_number"] == "110105********002X"
    assert hall.content_hash == content_hash("market", "administrative_licence", hall.payload)
    assert hall.verify_payload_digest() and hall.entities == [ENTITY]


def test_verified_feedback_is_accepted_with_the_note_and_meets_the_standard() -> None:
    outputs = _by_queue(verified_outputs(ENVELOPE, Verified((ENTITY,), (NOTE,)), DECISION,
                                         at=NOW, node="n:1", source_known=True,
                                         disclosure_of=CATALOGUE.disclosure))
    feedback = json.loads(outputs["market"].body)["payload"]
    assert _valid_feedback(feedback)
    assert (feedback["status"], feedback["regarding_message_id"],
            feedback["regarding_source_message_id"], feedback["credit_code"]) == (
        "accepted", "m-1", "row-7", PILOT)
    assert feedback["problems"] == [NOTE.as_dict()]


def test_an_unverified_record_is_quarantined_as_the_unified_record_and_answered() -> None:
    problem = Problem("credit_code.unverified", "party.credit_code",
                      f"{PILOT} is not registered in the legal-entity library")
    outputs = _by_queue(rejected_outputs(ENVELOPE, [problem], at=NOW, node="n:1",
                                         source_known=True))
    assert set(outputs) == {"quarantine", "market"}
    quarantined = outputs["quarantine"]
    assert json.loads(quarantined.body) == PAYLOAD
    assert json.loads(quarantined.headers["hub-reasons"]) == [problem.as_dict()]
    assert (quarantined.headers["hub-message-id"], quarantined.headers[QUARANTINED_AFTER_HEADER],
            quarantined.headers["hub-routing-key"]) == (
        "m-1", "review", "market.administrative_licence")
    feedback = json.loads(outputs["market"].body)["payload"]
    assert _valid_feedback(feedback)
    assert feedback["status"] == "rejected" and feedback["problems"] == [problem.as_dict()]


def test_feedback_is_not_addressed_to_a_source_the_catalogue_no_longer_has() -> None:
    outputs = rejected_outputs(ENVELOPE, [NOTE], at=NOW, node="n:1", source_known=False)
    assert [o.routing_key for o in outputs] == ["quarantine"]


def test_an_envelope_without_entities_keeps_its_shape_and_one_with_them_round_trips() -> None:
    assert "entities" not in json.loads(ENVELOPE.to_bytes())
    enriched = ENVELOPE.model_copy(update={"entities": [ENTITY]})
    assert Envelope.from_bytes(enriched.to_bytes()) == enriched


def _kinds(events: list[JournalEvent]) -> list[tuple[str, str | None, str]]:
    return [(e.event, e.destination, e.detail) for e in events]


def test_each_review_outcome_is_journaled_under_the_inputs_message_id() -> None:
    verified = review_events(ReviewOutcome(
        "verified", ENVELOPE, NOW, 1, "confirmed", DECISION.destinations, DECISION.matches))
    assert _kinds(verified) == [
        ("verified", "review", "confirmed"),
        ("routed", "city-platform", "share-to-city-platform"),
        ("routed", "credit-platform", "licences-to-credit"),
        ("feedback", "market", "accepted"),
    ]
    assert {e.message_id for e in verified} == {"m-1"}
    problem = Problem("credit_code.unverified", "party.credit_code", "not registered")
    rejected = review_events(ReviewOutcome("rejected", ENVELOPE, NOW, 1, "not registered",
                                           problems=(problem,)))
    assert _kinds(rejected) == [("rejected", "quarantine", "credit_code.unverified: not registered"),
                                ("feedback", "market", "rejected")]
    retried = review_events(ReviewOutcome("retried", ENVELOPE, NOW, 2, "in 10s: 503"))
    assert _kinds(retried) == [("retried", "review", "in 10s: 503")]
    assert retried[0].attempt == 2
    handed = review_events(ReviewOutcome("handed_over", ENVELOPE, NOW, 1, "review.lookup_refused: 401"))
    assert _kinds(handed) == [("dead_lettered", "review", "review.lookup_refused: 401")]
    assert review_events(ReviewOutcome("handed_over", None, NOW, 1, "envelope.invalid")) == []


def _valid_feedback(feedback: dict[str, object]) -> bool:
    # The pilot code is allow-listed where it occurs (here by the test's own allow-list), so a
    # valid feedback about it is itself under review, as the processor's review feedback is.
    verdict = schemas.validate_record("feedback", feedback, nonconforming_codes={PILOT})
    return verdict.status == "review" and [p.code for p in verdict.problems] == [
        "credit_code.nonconforming"]
