"""Bad input, one case at a time, through one running hub per broker.

For each case: the hub keeps running, the original body sits in hub.quarantine with its reason,
the source receives a rejected feedback record with the same reason, and nothing else is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.app.demo import SAMPLES
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

MAX_BYTES = 8192
LICENCE = json.loads((RECORDS / "licence.json").read_bytes())


def _json(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def _without(*fields: str) -> bytes:
    return _json({k: v for k, v in LICENCE.items() if k not in fields})


def _with_party_code(code: str) -> bytes:
    return _json({**LICENCE, "party": {**LICENCE["party"], "credit_code": code}})


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<administrative_licence xmlns="urn:supervision-hub:standard:1"><content>&lol4;</content></administrative_licence>"""


@dataclass(frozen=True)
class Case:
    id: str
    routing_key: str
    body: bytes
    content_type: str
    reason: str
    path: str = ""


CASES = [
    Case("malformed-json", "education.administrative_licence", b'{"party": {"name": "x"',
         "application/json", "json.malformed"),
    Case("malformed-xml", "education.administrative_licence",
         b"<administrative_licence><party></administrative_licence>", "application/xml",
         "xml.malformed"),
    Case("external-entity", "planning.administrative_licence", (SAMPLES / "planning-xxe.xml").read_bytes(),
         "application/xml", "xml.doctype_forbidden"),
    Case("entity-expansion-bomb", "planning.administrative_licence", BILLION_LAUGHS,
         "application/xml", "xml.doctype_forbidden"),
    Case("lying-encoding-declaration", "sports.supervision_alert",
         (SAMPLES / "sports-alert-lying-encoding.xml").read_bytes(), "application/xml",
         "xml.encoding_mismatch"),
    Case("over-the-size-limit", "market.administrative_licence",
         _json({**LICENCE, "remarks": "很" * MAX_BYTES}), "application/json", "message.too_large"),
    Case("missing-mandatory-fields", "water.administrative_licence",
         _without("decision_document_number", "decision_date"), "application/json",
         "field.missing", "decision_document_number"),
    Case("wrong-credit-code", "police.administrative_licence", _with_party_code("91310112MA1JD40041"),
         "application/json", "credit_code.checksum", "party.credit_code"),
    Case("unknown-record-type", "market.business_licence", _json(LICENCE), "application/json",
         "record_type.unknown"),
]


@pytest.fixture(scope="module")
def hub(module_broker_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    running = RunningHub(
        module_broker_url, Path(tmp_path_factory.mktemp("hub")), max_message_bytes=MAX_BYTES
    ).start()
    yield running
    running.close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_quarantined_with_its_reason_and_the_source_hears_back(
    hub: RunningHub, case: Case
) -> None:
    before = len(hub.outcomes)
    hub.publish(case.routing_key, case.body, content_type=case.content_type, message_id=f"src-{case.id}")
    outcome = hub.wait_processed(before + 1)[-1]
    assert outcome.status == "rejected"
    assert case.reason in [p.code for p in outcome.problems]

    [quarantined] = hub.read("hub.quarantine", 1)
    assert quarantined.body == case.body, "the original body is kept byte for byte"
    reasons = json.loads(quarantined.headers["hub-reasons"])
    assert (case.reason, case.path) in [(r["code"], r["path"]) for r in reasons]
    assert quarantined.headers["hub-routing-key"] == case.routing_key
    assert quarantined.headers["hub-source-message-id"] == f"src-{case.id}"

    source = case.routing_key.split(".")[0]
    [feedback] = hub.read(f"hub.out.{source}", 1)
    envelope = feedback.json()
    assert envelope["record_type"] == "feedback" and envelope["source"] == "hub"
    payload = envelope["payload"]
    assert payload["status"] == "rejected"
    assert payload["regarding_source_message_id"] == f"src-{case.id}"
    assert payload["regarding_message_id"] == quarantined.properties["message_id"]
    assert (case.reason, case.path) in [(p["code"], p["path"]) for p in payload["problems"]]
    assert hub.depth("hub.out.city-platform") == 0, "nothing bad is delivered"


def test_an_unknown_source_is_quarantined_and_answered_on_its_reply_to_queue(hub: RunningHub) -> None:
    reply_queue = "hub.reply.district-x.replies"  # a source's own reply queue (hub.pipeline.reply_to)
    hub.session.default_channel.queue_declare(queue=reply_queue, durable=True, auto_delete=False)
    before = len(hub.outcomes)
    hub.publish("district-x.administrative_licence", _json(LICENCE), reply_to=reply_queue)
    [outcome] = hub.wait_processed(before + 1)[before:]
    assert [p.code for p in outcome.problems] == ["source.unknown"]
    [quarantined] = hub.read("hub.quarantine", 1)
    assert json.loads(quarantined.headers["hub-reasons"])[0]["code"] == "source.unknown"
    [feedback] = hub.read(reply_queue, 1)
    assert feedback.json()["payload"]["problems"][0]["code"] == "source.unknown"


def test_after_all_that_bad_input_a_good_record_still_flows(hub: RunningHub) -> None:
    before = len(hub.outcomes)
    hub.publish("market.administrative_licence", _json(LICENCE))
    [outcome] = hub.wait_processed(before + 1)[before:]
    assert outcome.status == "delivered"
    assert len(hub.read("hub.out.city-platform", 1)) == 1
    assert hub.depth("hub.quarantine") == 0
