"""Which reply_to the hub honours (the source's own queues only), and what the build stage makes
of one it refuses: no copy there, a ``reply_to.refused`` note to ``hub.out.<source>``, the record
processed as usual. (Against the real RabbitMQ: tests/security/test_reply_to.py.)"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.pipeline.build import build
from hub.pipeline.forms import Refusal, Routed, Stamp, Standardised
from hub.pipeline.receive import receive
from hub.pipeline.reply_to import is_direct_reply_to, reply_address
from hub.pipeline.route import route
from hub.pipeline.standardise import standardise
from schemas.contract.envelope import Envelope
from schemas.contract.messages import InboundMessage
from schemas.contract.problems import REPLY_TO_REFUSED
from tests.hub.conftest import RECORDS

STAMP = Stamp(lambda: datetime(2026, 11, 28, 8, 0, tzinfo=UTC), "node:1")
LICENCE = (RECORDS / "licence.json").read_bytes()
#: As RabbitMQ 3.10 hands a direct reply-to to the consumer of the input.
ISSUED = ("amq.rabbitmq.reply-to.g1h2AA1yZXBseUA5MjQ4ODg0AAAeggAAAAhrFjJQ."
          "iiuyyxkhBaaZPxkLELFRUg==")


def _token(term: bytes, key: str = "iiuyyxkhBaaZPxkLELFRUg==") -> str:
    return f"amq.rabbitmq.reply-to.{base64.b64encode(term).decode()}.{key}"


@pytest.fixture(scope="module")
def hub() -> Hub:
    return Hub(load_settings(broker_url="memory://"))


@pytest.mark.parametrize("reply_to", [
    "hub.reply.market.x", "hub.reply.market.Worker_7-b", "hub.reply.market." + "a" * 64,
    "amq.rabbitmq.reply-to", ISSUED,
])
def test_the_sources_own_reply_queues_and_direct_reply_to_are_honoured(reply_to: str) -> None:
    assert reply_address("market", reply_to) == (reply_to, None)


@pytest.mark.parametrize("reply_to", [
    "hub.out.tax", "hub.out.credit-platform", "hub.review", "hub.quarantine", "hub.inbound",
    "hub.out.market",  # its own feedback queue: the hub already writes there, once
    "hub.reply.tax.x", "hub.reply.market-x.y", "hub.reply.market.", "hub.reply.market",
    "hub.reply.market.a.b", "hub.reply.market.a b", "hub.reply.market.é",
    "hub.reply.market." + "a" * 65, "amq.topic", "amq.direct", "hub.outbound", "",
    # Tokens the broker did not issue: RabbitMQ 3.10 closes the publisher's connection on
    # the first three (541 INTERNAL_ERROR); the rest are just not its form.
    "amq.rabbitmq.reply-to.!!!.???",
    _token(b"\x83gd\x00\rrabbit@localhost\x00\x00\x00\xc3\x00\x00\x00\x02\x03"),
    _token(b"\x83h\x02a\x01a\x02"),  # a well-formed term that is no pid
    "amq.rabbitmq.reply-to.forged", "amq.rabbitmq.reply-to.", "amq.rabbitmq.reply-tox",
    ISSUED + ".extra", ISSUED.replace("g1h2", "g1h3"),
])
def test_any_other_reply_to_is_refused_with_a_note_saying_which_are_honoured(
    reply_to: str,
) -> None:
    queue, note = reply_address("market", reply_to)
    if not reply_to:
        assert (queue, note) == (None, None)
        return
    assert queue is None and note is not None and note.code == REPLY_TO_REFUSED
    assert "hub.reply.market.<name>" in note.message and "amq.rabbitmq.reply-to" in note.message
    assert len(note.message) < 400, "the refused name is quoted, bounded"


def test_a_pid_on_another_node_is_a_token_the_broker_issues() -> None:
    assert is_direct_reply_to(_token(b"\x83Xw\x0brabbit@mq-2" + bytes(12)))
    assert not is_direct_reply_to(_token(b"\x83Xw\x0brabbit@mq-2" + bytes(11)))
    assert not is_direct_reply_to(_token(b"\x83Xw\x0brabbit mq-2" + bytes(12)))


def _routed(hub: Hub, reply_to: str | None) -> Routed:
    message = InboundMessage(LICENCE, "market.administrative_licence", "application/json",
                             message_id="src-1", reply_to=reply_to)
    standardised = standardise(receive(message, STAMP), STAMP, hub.mappings, None)
    assert isinstance(standardised, Standardised)
    routed = route(standardised, STAMP, hub.routes)
    assert isinstance(routed, Routed)
    return routed


def test_a_good_record_with_a_refused_reply_to_is_delivered_and_its_source_told(hub: Hub) -> None:
    routed = _routed(hub, "hub.out.tax")
    outcome = build(routed, STAMP, receipts=False, systems=hub.systems)
    assert outcome.status == "delivered" and outcome.destinations == routed.destinations
    keys = [(o.exchange, o.routing_key) for o in outcome.outputs]
    assert keys == [("hub.outbound", d) for d in (*routed.destinations, "market")]
    assert "tax" not in routed.destinations and all(k != "hub.out.tax" for _, k in keys)
    feedback = Envelope.from_bytes(outcome.outputs[-1].body).payload
    assert feedback["status"] == "accepted" and feedback["regarding_source_message_id"] == "src-1"
    assert [p["code"] for p in feedback["problems"]] == [REPLY_TO_REFUSED]
    assert [p.code for p in outcome.problems] == [REPLY_TO_REFUSED]


def test_a_good_record_with_its_own_reply_queue_gets_no_feedback_without_receipts(hub: Hub) -> None:
    outcome = build(_routed(hub, "hub.reply.market.x"), STAMP, receipts=False, systems=hub.systems)
    assert outcome.problems == () and all(o.routing_key != "market" for o in outcome.outputs)
    with_receipts = build(_routed(hub, "hub.reply.market.x"), STAMP, receipts=True,
                          systems=hub.systems)
    assert [(o.exchange, o.routing_key) for o in with_receipts.outputs][-2:] == [
        ("hub.outbound", "market"), ("", "hub.reply.market.x")]


def test_a_rejected_record_is_quarantined_for_its_own_reasons_and_the_note_goes_with_feedback(
    hub: Hub,
) -> None:
    message = InboundMessage(b"{not json", "market.administrative_licence", "application/json",
                             reply_to="hub.review")
    refusal = standardise(receive(message, STAMP), STAMP, hub.mappings, None)
    assert isinstance(refusal, Refusal)
    outcome = build(refusal, STAMP, receipts=False, systems=hub.systems)
    quarantine, to_source = outcome.outputs
    assert [r["code"] for r in json.loads(quarantine.headers["hub-reasons"])] == ["json.malformed"]
    assert quarantine.headers["hub-reply-to"] == "hub.review"
    codes = [p["code"] for p in Envelope.from_bytes(to_source.body).payload["problems"]]
    assert to_source.routing_key == "market" and codes == ["json.malformed", REPLY_TO_REFUSED]
