"""Personal data on every screen: masked for viewers and operators, whole for an officer who
gives a reason, and every unmasking audited before anything is read.

The world holds a natural person's penalty three ways: as a dead letter of the city platform
(its envelope, and a last error quoting the ID number), as a journaled input (record and body),
and in an event's detail. Both doors are tried: the admin API (tokens by role) and the CLI
(OS accounts in ``HUB_OFFICERS``).
"""

from __future__ import annotations

import json
import os
import pwd
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from hub.admin.dead_letters import dead_letter_queue
from hub.admin.views import WITHHELD
from hub.app.cli import main
from hub.app.http.admin_api import create_app
from hub.app.http.auth import parse_tokens
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.delivery.parking import DEAD_REASON
from hub.journal import Journal, JournalEvent, JournalMessage
from schemas.contract.messages import OutboundMessage
from schemas.contract.states import EventKind
from tests.security.admin_support import error_of

CODE = "91310112087994932F"
DESTINATION = "city-platform"
ID_NUMBER = "310112199001011234"
MASKED_ID = "310112********1234"
NAME, MASKED_NAME = "李四", "李*"
PENALTY = {
    "party": {"name": NAME, "category": "自然人", "id_type": "身份证", "id_number": ID_NUMBER},
    "decision_number": "闵市监案处字〔2024〕第1号",
}
DEAD_ID, INPUT_ID, XML_ID = "dead-1", "input-1", "input-xml"
AT = datetime(2026, 11, 28, 4, tzinfo=UTC)

TOKENS = {"viewer": "viewer-2b8d4f6a1c3e5a7b9d", "operator": "operator-7c1e9a3f5b2d4e6a",
          "officer": "officer-9f1d3b5a7c2e4a6b8d"}
HEADERS = {role: {"Authorization": f"Bearer {token}"} for role, token in TOKENS.items()}
TOKENS_TEXT = ",".join(f"{role}-actor:{role}:{token}" for role, token in TOKENS.items())


@dataclass
class World:
    client: TestClient
    journal: Journal

    def unmask_audits(self) -> list[dict[str, Any]]:
        return [{"actor": a.actor, "reason": a.reason, **dict(a.parameters)}
                for a in self.journal.audits(limit=100) if a.action == "unmask"]


@pytest.fixture
def world(broker_url: str, tmp_path: Path) -> Iterator[World]:
    hub = Hub(load_settings(broker_url=broker_url, data_dir=tmp_path))
    journal = hub.open_journal()
    try:
        with hub.session() as session:
            reason = {"code": "delivery.refused", "destination": DESTINATION, "attempts": 1,
                      "last_error": f"answered 422: id_number {ID_NUMBER} is not registered"}
            envelope = {"message_id": DEAD_ID, "record_type": "administrative_penalty",
                        "credit_code": CODE, "payload": PENALTY}
            publisher = session.publisher()
            publisher.publish(OutboundMessage(
                exchange="", routing_key=dead_letter_queue(DESTINATION),
                body=json.dumps(envelope, ensure_ascii=False).encode(),
                content_type="application/json",
                headers={DEAD_REASON: json.dumps(reason), "hub-credit-code": CODE,
                         "hub-record-type": "administrative_penalty", "hub-source": "market"},
                message_id=DEAD_ID, correlation_id="c-1",
            ))
            assert not publisher.settle(30)
        journal.record(messages=[_input(INPUT_ID, json.dumps(PENALTY, ensure_ascii=False).encode()),
                                 _input(XML_ID, f"<party><id>{ID_NUMBER}</id><name>{NAME}</name>"
                                        "</party>".encode())],
                       events=[_rejected(INPUT_ID)])
        app = create_app(hub, tokens=parse_tokens(TOKENS_TEXT), journal=journal)
        with TestClient(app) as client:
            yield World(client, journal)
    finally:
        journal.close()


def _input(message_id: str, body: bytes) -> JournalMessage:
    return JournalMessage(
        message_id=message_id, received_at=AT, source="market",
        record_type="administrative_penalty", routing_key="market.administrative_penalty",
        correlation_id=message_id, body=body, content_type="application/json",
        credit_code=CODE, payload=PENALTY,
    )


def _rejected(message_id: str) -> JournalEvent:
    return JournalEvent(message_id=message_id, event=EventKind.REJECTED, at=AT, source="market",
                        record_type="administrative_penalty", correlation_id=message_id,
                        credit_code=CODE, detail=f"party.id_number {ID_NUMBER}: not on file")


def _views(client: TestClient, headers: dict[str, str], query: str = "") -> dict[str, str]:
    """Every reading view, as the raw text the caller receives."""
    paths = {"dead letter": f"/dead-letters/{DESTINATION}/{DEAD_ID}",
             "message": f"/messages/{INPUT_ID}", "trace": f"/trace/{INPUT_ID}",
             "timeline": f"/timeline/{CODE}"}
    texts = {}
    for view, path in paths.items():
        response = client.get(path + query, headers=headers)
        assert response.status_code == 200, (view, response.text)
        texts[view] = response.content.decode("utf-8")
    texts["dead letters"] = client.get(f"/dead-letters/{DESTINATION}", headers=headers).text
    return texts


@pytest.mark.parametrize("role", ["viewer", "operator", "officer"])
def test_every_view_masks_personal_data_by_default(world: World, role: str) -> None:
    for view, text in _views(world.client, HEADERS[role]).items():
        assert ID_NUMBER not in text and NAME not in text, view
    shown = world.client.get(f"/messages/{INPUT_ID}", headers=HEADERS[role]).json()
    assert shown["masked"] is True
    assert (shown["payload"]["party"]["name"], shown["payload"]["party"]["id_number"]) == (
        MASKED_NAME, MASKED_ID)
    assert json.loads(shown["body"])["party"]["id_number"] == MASKED_ID
    letter = world.client.get(f"/dead-letters/{DESTINATION}/{DEAD_ID}",
                              headers=HEADERS[role]).json()
    assert json.loads(letter["body"])["payload"]["party"]["name"] == MASKED_NAME
    assert MASKED_ID in letter["last_error"]
    [event] = world.client.get(f"/trace/{INPUT_ID}", headers=HEADERS[role]).json()
    assert event["detail"] == f"party.id_number {MASKED_ID}: not on file"
    assert world.unmask_audits() == []


def test_a_body_that_cannot_be_masked_field_by_field_is_withheld(world: World) -> None:
    shown = world.client.get(f"/messages/{XML_ID}", headers=HEADERS["viewer"]).json()
    assert shown["body"] == WITHHELD
    assert shown["payload"]["party"]["id_number"] == MASKED_ID


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_an_officer_may_unmask_and_a_refusal_reads_nothing(world: World, role: str) -> None:
    response = world.client.get(f"/messages/{INPUT_ID}?unmask=true&reason=audit",
                                headers=HEADERS[role])
    assert response.status_code == 403 and error_of(response)["code"] == "forbidden"
    assert ID_NUMBER not in response.text and world.unmask_audits() == []


def test_an_officer_must_give_a_reason(world: World) -> None:
    response = world.client.get(f"/trace/{INPUT_ID}?unmask=true", headers=HEADERS["officer"])
    assert response.status_code == 400 and ID_NUMBER not in response.text
    assert world.unmask_audits() == []


def test_an_officer_sees_each_view_whole_and_each_unmasking_is_audited(world: World) -> None:
    texts = _views(world.client, HEADERS["officer"], "?unmask=true&reason=complaint 2026-118")
    for view in ("dead letter", "message", "trace"):
        assert ID_NUMBER in texts[view], view
    assert NAME in texts["message"] and NAME in texts["dead letter"]
    assert json.loads(texts["message"])["masked"] is False
    audits = world.unmask_audits()
    assert {(a["actor"], a["reason"], a["view"]) for a in audits} == {
        ("officer-actor", "complaint 2026-118", view)
        for view in ("dead_letter", "message", "trace", "timeline")}
    assert {"destination": DESTINATION, "message_id": DEAD_ID}.items() <= next(
        a for a in audits if a["view"] == "dead_letter").items()
    # The listing has no unmask: what it shows stays masked even for an officer.
    assert ID_NUMBER not in texts["dead letters"]


def test_the_cli_masks_and_unmasks_only_for_an_officer_account(
    world: World, broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setenv("HUB_BROKER_URL", broker_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    masked = runner.invoke(main, ["message", INPUT_ID])
    assert masked.exit_code == 0 and MASKED_ID in masked.output and ID_NUMBER not in masked.output
    trace = runner.invoke(main, ["trace", INPUT_ID])
    assert trace.exit_code == 0 and ID_NUMBER not in trace.output
    letter = runner.invoke(main, ["dead-letters", "show", DEAD_ID, "--destination", DESTINATION])
    assert letter.exit_code == 0 and ID_NUMBER not in letter.output and NAME not in letter.output

    refused = runner.invoke(main, ["message", INPUT_ID, "--unmask", "--reason", "curious"])
    assert refused.exit_code == 2 and "HUB_OFFICERS" in refused.output
    assert ID_NUMBER not in refused.output and world.unmask_audits() == []

    monkeypatch.setenv("HUB_OFFICERS", f"someone-else, {account}")
    no_reason = runner.invoke(main, ["trace", INPUT_ID, "--unmask"])
    assert no_reason.exit_code == 2 and world.unmask_audits() == []
    whole = runner.invoke(main, ["message", INPUT_ID, "--unmask", "--reason", "court order 7"])
    assert whole.exit_code == 0 and ID_NUMBER in whole.output and NAME in whole.output
    assert world.unmask_audits() == [{"actor": account, "reason": "court order 7",
                                      "view": "message", "message_id": INPUT_ID}]


def test_an_officer_finds_a_persons_records_by_id_number_and_the_lookup_is_audited(
    world: World,
) -> None:
    search = {"id_number": ID_NUMBER, "reason": "data subject's request 2026-31"}
    refused = world.client.post("/persons/search", json=search, headers=HEADERS["operator"])
    assert refused.status_code == 403
    found = world.client.post("/persons/search", json=search, headers=HEADERS["officer"])
    assert found.status_code == 200, found.text
    assert sorted(m["message_id"] for m in found.json()) == [INPUT_ID, XML_ID]
    assert ID_NUMBER not in found.text  # found through the digest, shown masked
    [lookup] = [a for a in world.journal.audits(limit=10) if a.action == "person_lookup"]
    assert (lookup.actor, lookup.affected, dict(lookup.parameters)) == (
        "officer-actor", 2, {"id_number": MASKED_ID, "unmasked": False})
    whole = world.client.post("/persons/search", json={**search, "unmask": True},
                              headers=HEADERS["officer"])
    assert ID_NUMBER in whole.text
    nobody = world.client.post("/persons/search", json={**search, "id_number": "11010519491231002X"},
                               headers=HEADERS["officer"])
    assert nobody.json() == []


def test_the_cli_finds_a_person_only_for_an_officer_account(
    world: World, broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_BROKER_URL", broker_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    command = ["person", ID_NUMBER.lower(), "--reason", "complaint 2026-118"]
    refused = runner.invoke(main, command)
    assert refused.exit_code == 2 and world.journal.audits(limit=10) == []
    monkeypatch.setenv("HUB_OFFICERS", pwd.getpwuid(os.getuid()).pw_name)
    found = runner.invoke(main, command)
    assert found.exit_code == 0, found.output
    lines = [json.loads(line) for line in found.output.splitlines()]
    assert sorted(m["message_id"] for m in lines) == [INPUT_ID, XML_ID]
    assert ID_NUMBER not in found.output
