"""Attacks with hostile JSON at the hub's doors, against the real RabbitMQ and the real pipeline.

Each bad body (duplicate keys, deep nesting, a lone surrogate, UTF-16, a 5000-digit integer, NaN)
sent over AMQP or pushed to the rest-push webhook is refused with its own reason, kept in
quarantine byte for byte, and its source hears back; a good record sent alongside still flows.
The webhook answers with the hub's own message id, and survives its broker connection dying
while idle.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import hub.runtime.broker
from adapters.testing import sample_licence
from schemas.contract.topology import outbound_queue_name
from tests.security.json_doors_support import (
    BAD_JSON,
    ROUTING_KEY,
    SOURCE,
    webhook_door,
)
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq


def _good() -> bytes:
    return json.dumps(sample_licence("0042"), ensure_ascii=False).encode()


def test_bad_json_over_amqp_is_quarantined_with_its_reason_and_good_records_flow(
    rabbitmq_url: str, tmp_path: Path
) -> None:
    hub = RunningHub(rabbitmq_url, tmp_path).start()
    try:
        for _, body, _ in BAD_JSON:
            hub.publish(ROUTING_KEY, body)
        hub.publish(ROUTING_KEY, _good())
        *refused, good = hub.wait_processed(len(BAD_JSON) + 1)

        assert [(o.status, o.problems[0].code) for o in refused] == [
            ("rejected", code) for _, _, code in BAD_JSON]
        assert all(o.problems[0].code != "hub.internal_error" for o in refused)
        assert good.status == "delivered"
        kept = hub.read("hub.quarantine", len(BAD_JSON))
        assert [k.body for k in kept] == [body for _, body, _ in BAD_JSON]  # nothing lost
        feedback = [m.json()["payload"] for m in hub.read(outbound_queue_name(SOURCE), len(BAD_JSON))]
        assert [(f["status"], f["problems"][0]["code"]) for f in feedback] == [
            ("rejected", code) for _, _, code in BAD_JSON]
    finally:
        hub.close()


def test_bad_json_pushed_to_the_webhook_is_400_quarantined_with_feedback_never_500(
    rabbitmq_url: str, tmp_path: Path
) -> None:
    with webhook_door(rabbitmq_url, tmp_path) as door:
        answers = [door.post(body) for _, body, _ in BAD_JSON]
        good = door.post(_good())

        for (name, _, code), answer in zip(BAD_JSON, answers, strict=True):
            assert answer.status_code == 400, (name, answer.text)
            error = answer.json()["error"]
            assert error["code"] in ("adapter.malformed", "adapter.encoding"), name
            assert error["message"].startswith(code + ":"), (name, error)
        assert good.status_code == 202
        outcomes = door.hub.wait_processed(len(BAD_JSON) + 1)
        by_id = {o.message_id: o for o in outcomes}
        # The id each answer names is the id the hub journals (hub trace <id> finds it).
        for answer in answers:
            assert by_id[answer.json()["message_id"]].status == "rejected"
        (accepted,) = good.json()["accepted"]
        assert by_id[accepted["message_id"]].status == "delivered"
        kept = door.hub.read("hub.quarantine", len(BAD_JSON))
        assert sorted(k.body for k in kept) == sorted(body for _, body, _ in BAD_JSON)
        feedback = door.hub.read(outbound_queue_name(SOURCE), len(BAD_JSON))
        assert {f.json()["payload"]["regarding_message_id"] for f in feedback} == {
            a.json()["message_id"] for a in answers}


def test_the_webhook_answers_the_first_post_after_its_broker_connection_died_idle(
    rabbitmq_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The port's connection heartbeats every second but nothing beats it between records:
    # RabbitMQ closes it after missed heartbeats, as it did after 80 s with the real interval.
    with webhook_door(rabbitmq_url, tmp_path) as door:
        monkeypatch.setattr(hub.runtime.broker, "HEARTBEAT_SECONDS", 1)
        assert door.post(_good()).status_code == 202
        time.sleep(6)
        second = json.dumps(sample_licence("0043"), ensure_ascii=False).encode()
        answer = door.post(second)
        assert answer.status_code == 202, answer.text
        outcomes = door.hub.wait_processed(2)
        assert [o.status for o in outcomes] == ["delivered", "delivered"]
        assert outcomes[1].message_id == answer.json()["accepted"][0]["message_id"]


def test_a_department_cannot_choose_the_hub_message_id(rabbitmq_url: str, tmp_path: Path) -> None:
    hub = RunningHub(rabbitmq_url, tmp_path).start()
    try:
        claimed = "3f0c6d6e-1111-4222-8333-444455556666"
        # Published without the hub's user_id: the header is not believed.
        hub.publish(ROUTING_KEY, _good(), headers={"hub-message-id": claimed})
        (outcome,) = hub.wait_processed(1)
        assert outcome.message_id != claimed
    finally:
        hub.close()
