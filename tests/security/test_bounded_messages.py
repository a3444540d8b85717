"""Resource exhaustion through the real pipeline on the real RabbitMQ: a message crafted to hold
the worker (100k XML attributes) is refused at once with feedback, other departments' records
keep flowing, and a body over the size limit is quarantined whole but journaled as a bounded
head with its length and SHA-256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.journal.records import BODY_HEAD_BYTES
from schemas.contract.states import EventKind
from tests.hub.conftest import RECORDS
from tests.security.bounds_support import JournaledHub, attributes

pytestmark = pytest.mark.rabbitmq

LICENCE = (RECORDS / "licence.json").read_bytes()
MAX_BYTES = 1_048_576  # the default size limit: the attack documents are under it
ATTRIBUTES = 100_000


@pytest.fixture
def hub(rabbitmq_url: str, tmp_path: Path) -> Iterator[JournaledHub]:
    running = JournaledHub(rabbitmq_url, tmp_path, max_message_bytes=MAX_BYTES).start()
    yield running
    running.close()


def _attacks() -> list[tuple[str, bytes]]:
    many = attributes(ATTRIBUTES)
    return [
        # the unified form, attributes on a child and on the root
        ("planning.administrative_licence",
         b'<administrative_licence schema_version="1.0"><party ' + many
         + b"><name>x</name></party></administrative_licence>"),
        ("planning.administrative_licence",
         b'<administrative_licence schema_version="1.0" ' + many
         + b"><party><name>x</name></party></administrative_licence>"),
        # a source with its own layout and stylesheet (health), on its row and on its root
        ("health.administrative_licence",
         b"<ROWS><ROW " + many + b"><XK_XDR_MC>x</XK_XDR_MC></ROW></ROWS>"),
        ("health.administrative_licence",
         b"<ROWS " + many + b"><ROW><XK_XDR_MC>x</XK_XDR_MC></ROW></ROWS>"),
    ]


def test_100k_attributes_are_refused_with_feedback_and_other_departments_still_flow(
    hub: JournaledHub,
) -> None:
    attacks = _attacks()
    assert all(600_000 < len(body) < MAX_BYTES for _, body in attacks)
    for n, (key, body) in enumerate(attacks):
        hub.publish(key, body, content_type="application/xml", message_id=f"attack-{n}")
    hub.publish("market.administrative_licence", LICENCE, message_id="good")
    outcomes = hub.wait_processed(len(attacks) + 1, timeout=60)

    *refused, good = outcomes
    assert [[p.code for p in o.problems] for o in refused] == [
        ["xml.too_many_attributes"]] * len(attacks)
    assert good.status == "delivered", "the department behind the attackers is served"
    assert len(hub.read("hub.out.city-platform", 1)) == 1

    quarantined = hub.read("hub.quarantine", len(attacks))
    assert sorted(q.body for q in quarantined) == sorted(b for _, b in attacks), (
        "nothing is lost: the original bodies are in quarantine")
    for source in ("planning", "health"):
        for feedback in hub.read(f"hub.out.{source}", 2):
            payload = feedback.json()["payload"]
            assert payload["status"] == "rejected"
            assert [p["code"] for p in payload["problems"]] == ["xml.too_many_attributes"]
            assert f"has {ATTRIBUTES}" in payload["problems"][0]["message"] or (
                f"has {ATTRIBUTES + 1}" in payload["problems"][0]["message"])


def test_an_oversize_body_is_quarantined_whole_and_journaled_as_head_and_hash(
    hub: JournaledHub,
) -> None:
    record = json.loads(LICENCE)
    body = json.dumps({**record, "remarks": "很" * (MAX_BYTES // 2)}, ensure_ascii=False).encode()
    assert len(body) > MAX_BYTES
    hub.publish("market.administrative_licence", body, message_id="too-big")
    hub.publish("market.administrative_licence", LICENCE, message_id="after")
    oversize, after = hub.wait_processed(2, timeout=60)
    assert [p.code for p in oversize.problems] == ["message.too_large"]
    assert after.status == "delivered"

    [quarantined] = hub.read("hub.quarantine", 1)
    assert quarantined.body == body, "the broker's quarantine copy keeps the whole body"
    [feedback] = hub.read("hub.out.market", 1)
    assert feedback.json()["payload"]["problems"][0]["code"] == "message.too_large"

    hub.writer.close(30)
    stored = hub.journal.message(oversize.message_id)
    assert stored is not None and stored.body_truncated
    assert stored.body == body[:BODY_HEAD_BYTES]
    assert (stored.body_size, stored.body_sha256) == (len(body), hashlib.sha256(body).hexdigest())
    [received] = [e for e in hub.journal.trace(oversize.message_id)
                  if e.event == EventKind.RECEIVED]
    assert f"its first {BODY_HEAD_BYTES} of {len(body)} bytes" in received.detail
    whole = hub.journal.message(after.message_id)
    assert whole is not None and whole.body == LICENCE and not whole.body_truncated
