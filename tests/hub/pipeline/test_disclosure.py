"""Each destination receives what its disclosure policy allows, in an envelope it can check.

A natural person's penalty goes to the city platform and the credit platform (entitled: whole)
and to the service hall (publishes, 双公示: identity numbers masked, the birth-date digits
hidden). Every envelope carries the SM3 digest of its own payload, in the body and a header.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.pipeline.processor import Outcome
from schemas.contract.envelope import Envelope, content_hash, payload_digest
from schemas.contract.messages import InboundMessage
from schemas.personal import Disclosure

SAMPLES = Path(__file__).parents[2] / "schemas" / "samples" / "valid"
ID_NUMBER = "310112199001011234"
REPRESENTATIVE_ID = "11010519491231002X"


@pytest.fixture(scope="module")
def hub() -> Hub:
    return Hub(load_settings(broker_url="memory://"))


def _penalty(hub: Hub, party: dict[str, str] | None = None) -> Outcome:
    record = json.loads((SAMPLES / "administrative_penalty.json").read_text(encoding="utf-8"))
    [market_code] = hub.systems.credit_codes("market")
    record.update(authority_credit_code=market_code, data_source_credit_code=market_code)
    if party is not None:
        record["party"] = party
    body = json.dumps(record, ensure_ascii=False).encode()
    return hub.processor().process(InboundMessage(
        body=body, routing_key="market.administrative_penalty", content_type="application/json"))


def _envelopes(outcome: Outcome) -> dict[str, Envelope]:
    return {o.routing_key: Envelope.from_bytes(o.body) for o in outcome.outputs}


def test_the_catalogue_says_the_service_hall_publishes_and_departments_are_entitled(hub: Hub) -> None:
    assert hub.systems.disclosure("service-hall") is Disclosure.PUBLISHED
    assert {hub.systems.disclosure(d) for d in ("city-platform", "credit-platform", "tax")} == {
        Disclosure.WHOLE}
    assert hub.systems.disclosure("review") is Disclosure.WHOLE  # the hub's own queue
    assert hub.systems.disclosure("someone-new") is Disclosure.PUBLISHED  # fail safe


def test_the_service_hall_gets_the_id_number_masked_and_the_entitled_get_it_whole(hub: Hub) -> None:
    outcome = _penalty(hub)
    envelopes = _envelopes(outcome)
    assert {"service-hall", "city-platform", "credit-platform"} <= set(envelopes)
    assert envelopes["service-hall"].payload["party"]["id_number"] == "310112********1234"
    assert envelopes["service-hall"].payload["party"]["name"] == "李四"  # published by 双公示
    for entitled in ("city-platform", "credit-platform"):
        assert envelopes[entitled].payload["party"]["id_number"] == ID_NUMBER
    # One record, one message id everywhere; the masked copy is its own content.
    assert len({e.message_id for e in envelopes.values()}) == 1
    hall, city = envelopes["service-hall"], envelopes["city-platform"]
    assert hall.content_hash != city.content_hash == outcome.content_hash
    assert hall.content_hash == content_hash("market", "administrative_penalty", hall.payload)


def test_a_legal_representatives_id_number_is_masked_for_the_service_hall(hub: Hub) -> None:
    company = {"name": "上海某某有限公司", "category": "法人及非法人组织",
               "credit_code": "91310112087994932F", "legal_representative": "王五",
               "legal_representative_id_type": "身份证",
               "legal_representative_id_number": REPRESENTATIVE_ID}
    envelopes = _envelopes(_penalty(hub, company))
    hall_party = envelopes["service-hall"].payload["party"]
    assert hall_party["legal_representative_id_number"] == "110105********002X"
    assert hall_party["legal_representative"] == "王五"
    assert envelopes["city-platform"].payload["party"] == company


def test_every_envelope_carries_the_sm3_digest_of_its_own_payload(hub: Hub) -> None:
    outcome = _penalty(hub)
    for output in outcome.outputs:
        envelope = Envelope.from_bytes(output.body)
        assert envelope.verify_payload_digest(), output.routing_key
        assert output.headers["hub-payload-digest"] == envelope.payload_digest
        assert envelope.payload_digest == payload_digest(envelope.payload)
        assert envelope.payload_digest.startswith("sm3:") and len(envelope.payload_digest) == 68


def test_a_payload_changed_on_the_way_fails_its_digest(hub: Hub) -> None:
    [city] = [o for o in _penalty(hub).outputs if o.routing_key == "city-platform"]
    document = json.loads(city.body)
    document["payload"]["fine_amount"] = 0.02
    changed = Envelope.model_validate(document)
    assert not changed.verify_payload_digest()
    assert not changed.model_copy(update={"payload_digest": None}).verify_payload_digest()


def test_the_digest_is_the_sm3_of_the_canonical_payload() -> None:
    # GB/T 32905's first example: SM3("abc").
    import hashlib
    assert hashlib.new("sm3", b"abc").hexdigest() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    payload = {"b": 1, "a": "李"}
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert payload_digest(payload) == "sm3:" + hashlib.new("sm3", canonical.encode()).hexdigest()
