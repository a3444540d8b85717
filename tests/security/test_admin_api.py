"""Attacks on the admin API, against the real hub on the real broker and journal: each refused
in the documented error shape, nothing moved or lost, legitimate calls still answered.

Roles (a viewer or an old-form token cannot retry or replay, not even as a dry run), the token
before anything else (no 422, 404 or 405 for a stranger, no OpenAPI document), caps (body size,
replay limit and rate, string lengths), strictness (control characters, non-boolean safety
flags), the audit written before any action, and the CLI's audit actor.
"""

from __future__ import annotations

import json
import logging
import os
import pwd
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from hub.app.cli import main
from hub.app.cli.admin_cmds import os_account
from hub.app.http.auth import Role, parse_tokens
from hub.journal import JournalUnavailable
from schemas.contract.errors import ConfigError
from tests.security.admin_support import (
    ANONYMOUS,
    CODE,
    DEAD_ID,
    DESTINATION,
    INPUT_ID,
    LEGACY,
    LEGACY_TOKEN,
    OPERATOR,
    OPERATOR_TOKEN,
    VIEWER,
    VIEWER_TOKEN,
    AdminWorld,
    admin_world,
    error_of,
)

RETRY = f"/dead-letters/{DESTINATION}/retry"
UNCHANGED = (1, 0, 0)  # one dead letter, nothing in hub.inbound, no real action audited


@pytest.fixture
def world(broker_url: str, tmp_path: Path) -> Iterator[AdminWorld]:
    with admin_world(broker_url, tmp_path) as world:
        assert world.state() == UNCHANGED
        yield world


def _refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code, error
    return error


# --- roles -------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [VIEWER, LEGACY, OPERATOR], ids=["viewer", "legacy", "operator"])
def test_every_token_reads_listings_trace_timeline_audit_and_the_openapi_document(
    world: AdminWorld, headers: dict[str, str]
) -> None:
    client = world.client
    [letter] = client.get(f"/dead-letters/{DESTINATION}", headers=headers).json()
    assert letter["message_id"] == DEAD_ID
    assert CODE in client.get(f"/dead-letters/{DESTINATION}/{DEAD_ID}", headers=headers).json()["body"]
    assert client.get(f"/trace/{INPUT_ID}", headers=headers).status_code == 200
    assert client.get(f"/timeline/{CODE}", headers=headers).status_code == 200
    assert client.get("/audit", headers=headers).json() == []
    assert "/replay" in client.get("/openapi.json", headers=headers).json()["paths"]
    assert world.state() == UNCHANGED  # reading put the dead letter back


@pytest.mark.parametrize("headers", [VIEWER, LEGACY], ids=["viewer", "legacy"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_viewer_cannot_retry_or_replay_not_even_a_dry_run(
    world: AdminWorld, headers: dict[str, str], dry_run: bool
) -> None:
    for path, body in [(RETRY, {"all": True}), ("/replay", {"credit_code": CODE})]:
        response = world.client.post(path, json={**body, "reason": "r", "dry_run": dry_run},
                                     headers=headers)
        assert "operator" in _refused(response, 403, "forbidden")["message"]
    assert world.state() == UNCHANGED
    assert world.client.get("/audit", headers=OPERATOR).json() == []  # not even a dry run


def test_an_operator_retries_and_replays_under_its_own_actor(world: AdminWorld) -> None:
    client = world.client
    retried = client.post(RETRY, json={"all": True, "reason": "destination repaired"}, headers=OPERATOR)
    assert retried.json()["message_ids"] == [DEAD_ID], retried.text
    replayed = client.post("/replay", json={"credit_code": CODE, "reason": "resend"}, headers=OPERATOR)
    assert replayed.json()["message_ids"] == [INPUT_ID], replayed.text
    assert world.state() == (0, 1, 2)
    audit = client.get("/audit", headers=VIEWER).json()
    assert [(a["actor"], a["action"]) for a in audit] == [("ops-li", "replay"),
                                                          ("ops-li", "retry-dead-letters")]


def test_tokens_say_their_role_and_the_old_form_is_a_logged_viewer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    grants = parse_tokens(f"a:operator:{OPERATOR_TOKEN},b:viewer:{VIEWER_TOKEN},c:{LEGACY_TOKEN}")
    assert {actor: grant.role for actor, grant in grants.items()} == {
        "a": Role.OPERATOR, "b": Role.VIEWER, "c": Role.VIEWER}
    assert "gives no role to c:" in caplog.text and LEGACY_TOKEN not in caplog.text
    with pytest.raises(ConfigError, match="role of 'a' must be one of viewer, operator") as raised:
        parse_tokens(f"a:admin:{OPERATOR_TOKEN}")
    assert OPERATOR_TOKEN not in str(raised.value)


# --- the token before anything else ------------------------------------------------------------


@pytest.mark.parametrize("headers", [ANONYMOUS, {"Authorization": "Bearer not-a-token-at-all"},
                                     {"Authorization": f"Basic {OPERATOR_TOKEN}"}],
                         ids=["none", "wrong", "basic"])
def test_a_stranger_gets_401_before_routing_validation_or_reading_the_body(
    world: AdminWorld, headers: dict[str, str]
) -> None:
    client = world.client
    attempts = [
        client.get("/openapi.json", headers=headers),
        client.get("/docs", headers=headers),
        client.get("/redoc", headers=headers),
        client.get("/no-such-path", headers=headers),
        client.delete("/audit", headers=headers),
        client.post("/replay", json={}, headers=headers),
        client.post("/replay", content=b"{not json", headers=headers),
        client.post(RETRY, json={"all": True, "reason": "r"}, headers=headers),
        client.post("/replay", content=b"x" * (1 << 20), headers=headers),
    ]
    for response in attempts:
        _refused(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert world.state() == UNCHANGED


def test_there_is_no_docs_page_even_with_a_token(world: AdminWorld) -> None:
    for path in ("/docs", "/redoc"):
        _refused(world.client.get(path, headers=VIEWER), 404, "not_found")


# --- caps ----------------------------------------------------------------------------------------


def test_a_body_over_64_kib_is_413_whether_declared_or_streamed(world: AdminWorld) -> None:
    padding = "x" * (64 * 1024)
    big = json.dumps({"reason": padding, "credit_code": CODE}).encode()
    _refused(world.client.post("/replay", content=big, headers=OPERATOR), 413, "too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap holds on the stream itself
        yield b'{"reason": "'
        for _ in range(100):
            yield b"y" * 4096
        yield b'"}'

    _refused(world.client.post("/replay", content=chunks(), headers=OPERATOR), 413, "too_large")
    assert world.state() == UNCHANGED
    ok = world.client.post("/replay", json={"reason": "r", "dry_run": True}, headers=OPERATOR)
    assert ok.status_code == 200, ok.text  # legitimate traffic still flows


@pytest.mark.parametrize(("field", "value"), [
    ("limit", 1e11), ("limit", 10_001), ("limit", 0), ("rate", 1e308), ("rate", 100.5),
    ("rate", 0.05), ("rate", 0), ("reason", "r" * 1001), ("credit_code", "9" * 201),
    ("message_ids", ["id"] * 1001),
])
def test_replay_sizes_and_rates_beyond_their_maxima_are_422(
    world: AdminWorld, field: str, value: Any
) -> None:
    body = {"reason": "r", "credit_code": CODE, field: value}
    error = _refused(world.client.post("/replay", json=body, headers=OPERATOR), 422, "validation_error")
    assert ["body", field] in [f["loc"] for f in error["fields"]]
    assert world.state() == UNCHANGED


def test_the_maxima_themselves_are_accepted(world: AdminWorld) -> None:
    body = {"reason": "r" * 1000, "limit": 10_000, "rate": 100, "dry_run": True}
    assert world.client.post("/replay", json=body, headers=OPERATOR).status_code == 200
    body = {"all": True, "reason": "r", "rate": 0.1, "dry_run": True}
    assert world.client.post(RETRY, json=body, headers=OPERATOR).status_code == 200


# --- strictness ----------------------------------------------------------------------------------


CONTROLS = ["\x00", "a\x00b", "\x1b[31m", "line\nbreak", "\x7f", "\x85"]


def test_control_characters_are_422_everywhere_never_500(world: AdminWorld) -> None:
    for bad in CONTROLS:
        _refuse_control_characters(world.client, bad)
    assert world.state() == UNCHANGED
    assert world.client.get("/audit", headers=VIEWER).json() == []


def _refuse_control_characters(client: TestClient, bad: str) -> None:
    for path, body in [("/replay", {"reason": f"r{bad}", "dry_run": True}),
                       (RETRY, {"all": True, "reason": f"r{bad}", "dry_run": True}),
                       (RETRY, {"all": True, "reason": "r", "credit_code": bad, "dry_run": True}),
                       ("/replay", {"reason": "r", "message_ids": [bad], "dry_run": True}),
                       ("/replay", {"reason": "r", "source": bad, "dry_run": True})]:
        _refused(client.post(path, json=body, headers=OPERATOR), 422, "validation_error")
    quoted = bad.encode().hex()
    escaped = "".join(f"%{quoted[i:i + 2]}" for i in range(0, len(quoted), 2))
    for path in (f"/trace/{escaped}", f"/timeline/{escaped}", f"/dead-letters/{escaped}",
                 f"/dead-letters/{DESTINATION}/{escaped}"):
        _refused(client.get(path, headers=VIEWER), 422, "validation_error")
    _refused(client.get(f"/dead-letters/{DESTINATION}", params={"credit_code": bad}, headers=VIEWER),
             422, "validation_error")


def test_safety_flags_are_strict_booleans(world: AdminWorld) -> None:
    for flag in [0, 1, "false", "true", "no", None, [], {}]:
        for path, body in [(RETRY, {"all": True, "reason": "r", "dry_run": flag}),
                           ("/replay", {"reason": "r", "dry_run": flag}),
                           (RETRY, {"all": flag, "reason": "r", "dry_run": True})]:
            response = world.client.post(path, json=body, headers=OPERATOR)
            _refused(response, 422, "validation_error")
    assert world.state() == UNCHANGED


def test_every_error_status_answers_in_the_documented_shape(world: AdminWorld) -> None:
    client = world.client
    _refused(client.post("/replay", json={"reason": " "}, headers=OPERATOR), 400, "bad_request")
    _refused(client.get("/trace/unknown", headers=VIEWER), 404, "not_found")
    _refused(client.get("/not/a/path", headers=VIEWER), 404, "not_found")
    _refused(client.put("/replay", json={}, headers=OPERATOR), 405, "method_not_allowed")
    _refused(client.post("/replay", content=b"[1,", headers=OPERATOR), 422, "validation_error")


# --- the audit before the action ------------------------------------------------------------------


def test_no_action_happens_when_its_audit_entry_cannot_be_written(
    world: AdminWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def journal_down(_entry: object) -> None:
        raise JournalUnavailable("journal database unavailable: test")

    monkeypatch.setattr(world.journal, "audit", journal_down)
    _refused(world.client.post(RETRY, json={"all": True, "reason": "r"}, headers=OPERATOR),
             503, "journal_unavailable")
    _refused(world.client.post("/replay", json={"reason": "r"}, headers=OPERATOR),
             503, "journal_unavailable")
    monkeypatch.undo()
    assert world.state() == UNCHANGED  # the dead letter is back in its queue, nothing replayed


def test_an_unexpected_failure_is_a_500_in_the_shape_that_reveals_nothing(
    world: AdminWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_kwargs: object) -> None:
        raise RuntimeError("internal detail: password=hunter2")

    monkeypatch.setattr(world.journal, "audits", broken)
    with TestClient(world.client.app, raise_server_exceptions=False) as client:
        response = client.get("/audit", headers=VIEWER)
    _refused(response, 500, "internal_error")
    assert "hunter2" not in response.text


# --- the CLI's audit actor --------------------------------------------------------------------------


def test_the_cli_audits_the_os_account_whatever_the_environment_or_actor_says(
    world: AdminWorld, broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = pwd.getpwuid(os.getuid()).pw_name
    assert os_account() == account
    for key, value in {"HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": str(tmp_path),
                       "USER": "somebody-else", "LOGNAME": "somebody-else"}.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    base = ["replay", "--credit-code", CODE, "--dry-run", "--reason"]
    assert runner.invoke(main, [*base, "plain"]).exit_code == 0
    assert runner.invoke(main, [*base, "labelled", "--actor", "ops-li"]).exit_code == 0
    spoof = runner.invoke(main, [*base, "spoof", "--actor", "ops-li\nforged"])
    assert spoof.exit_code == 2 and "--actor" in spoof.output
    audit = world.client.get("/audit", headers=VIEWER).json()
    assert [(a["actor"], a["reason"]) for a in audit] == [(f"{account} (as ops-li)", "labelled"),
                                                          (account, "plain")]


def test_the_cli_is_held_to_the_same_replay_and_rate_caps_as_the_api(
    world: AdminWorld, broker_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {"HUB_BROKER_URL": broker_url, "HUB_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()
    base = ["replay", "--credit-code", CODE, "--dry-run", "--reason", "caps"]
    too_many = runner.invoke(main, [*base, "--limit", "10001"])
    assert too_many.exit_code == 2 and "--limit" in too_many.output, too_many.output
    for rate in ("0.01", "1000", "nan"):
        too_fast = runner.invoke(main, [*base, "--rate", rate])
        assert too_fast.exit_code == 2 and "rate" in too_fast.output, too_fast.output
    assert runner.invoke(main, [*base, "--limit", "10000", "--rate", "100"]).exit_code == 0
    assert world.client.get("/audit", headers=VIEWER).json()[0]["reason"] == "caps"
