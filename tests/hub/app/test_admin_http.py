"""The HTTP admin API against a real hub: auth, the administrator walkthrough, errors, OpenAPI.

Tests that touch the broker run on the embedded broker and on the real RabbitMQ (``broker_url``).
Tests of authentication, token parsing and the OpenAPI document do not depend on the broker and
run once, on the embedded one.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from adapters.simulators.ports import free_port
from hub.app.http.admin_api import create_app
from hub.app.http.auth import (
    TOKENS_VARIABLE,
    Grant,
    Role,
    parse_tokens,
    tokens_from_environment,
)
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import Journal, JournalWriter
from hub.journal.engine import create_journal_engine
from schemas.contract.errors import ConfigError
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub
from tests.support.webhook_server import WebhookServer

CODE = "91310112087994932F"
LI_TOKEN = "li-9f3c2a7e5b1d4c6a8e0f"
WANG_TOKEN = "wang-0d8b6f4a2c9e7b5d3f1a"
TOKENS = {"ops-li": Grant(Role.OPERATOR, SecretStr(LI_TOKEN)),
          "ops-wang": Grant(Role.OPERATOR, SecretStr(WANG_TOKEN))}
LI = {"Authorization": f"Bearer {LI_TOKEN}"}
WANG = {"Authorization": f"Bearer {WANG_TOKEN}"}
REPO = Path(__file__).resolve().parents[3]


def _client(hub: Hub, journal: Journal | None = None) -> TestClient:
    return TestClient(create_app(hub, tokens=TOKENS, journal=journal))


def _wait_for(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        time.sleep(0.1)


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


@pytest.fixture
def admin(broker_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The admin API of a hub on either broker, with no pipeline running."""
    with _client(Hub(load_settings(broker_url=broker_url, data_dir=tmp_path))) as client:
        yield client


@pytest.fixture
def embedded_admin(tmp_path: Path) -> Iterator[TestClient]:
    """The admin API of a hub on the embedded broker, for what does not depend on the broker."""
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    with _client(Hub(load_settings(broker_url=url, data_dir=tmp_path))) as client:
        yield client


@pytest.fixture
def refusing_hub(
    broker_url: str, tmp_path: Path
) -> Iterator[tuple[WebhookServer, RunningHub, TestClient]]:
    """``hub run`` delivering to credit-platform (a webhook the test switches), a department's
    client, and the admin API of the same hub."""
    server = WebhookServer()
    connections = tmp_path / "connections.yaml"
    connections.write_text(
        f"connections:\n  credit-platform:\n    outbound: {{kind: rest-out, url: '{server.url}'}}\n",
        encoding="utf-8",
    )
    hub = Hub(load_settings(broker_url=broker_url, data_dir=tmp_path, connections_file=connections,
                            delivery_retry_schedule="1s"))
    journal = hub.open_journal()
    writer = JournalWriter(journal, flush_interval=0.05)
    runtime = hub.runtime(journal, writer)
    runtime.start()
    assert runtime.wait_ready(30)
    department = RunningHub(broker_url, tmp_path).open()
    try:
        with _client(hub) as client:
            yield server, department, client
    finally:
        runtime.stop()
        runtime.join(60)
        writer.close()
        journal.close()
        department.close()
        server.close()


# --- the walkthrough ---------------------------------------------------------------------------


def test_find_see_why_repair_retry_replay_and_audit_over_http(
    refusing_hub: tuple[WebhookServer, RunningHub, TestClient],
) -> None:
    server, department, client = refusing_hub
    server.status = 422  # the credit platform refuses our records until it is repaired
    department.publish("market.administrative_licence", (RECORDS / "licence.json").read_bytes())

    # 1. Find the failed record by its credit code and see why it failed.
    def timeline() -> list[dict[str, Any]]:
        response = client.get(f"/timeline/{CODE}", headers=LI)
        assert response.status_code == 200, response.text
        return list(response.json())

    _wait_for(lambda: any(e["event"] == "dead_lettered" for e in timeline()))
    events = [(e["event"], e["destination"]) for e in timeline()]
    assert ("routed", "credit-platform") in events and ("delivered", "credit-platform") not in events
    listed = client.get("/dead-letters/credit-platform", params={"credit_code": CODE}, headers=LI)
    [letter] = listed.json()
    assert letter["reason"] == "delivery.refused" and "422" in letter["last_error"]
    message_id = letter["message_id"]
    shown = client.get(f"/dead-letters/credit-platform/{message_id}", headers=LI).json()
    assert shown["message_id"] == message_id and CODE in shown["body"]
    trace = client.get(f"/trace/{message_id}", headers=LI).json()
    assert [e["event"] for e in trace][:2] == ["received", "standardised"]

    # 2. Repair the destination; a dry run of the retry moves nothing, the retry delivers it.
    server.status = 200
    retry = {"message_ids": [message_id], "reason": "credit platform certificate renewed"}
    preview = client.post("/dead-letters/credit-platform/retry", json={**retry, "dry_run": True},
                          headers=LI).json()
    assert (preview["affected"], preview["dry_run"], preview["message_ids"]) == (1, True, [message_id])
    assert len(client.get("/dead-letters/credit-platform", headers=LI).json()) == 1
    done = client.post("/dead-letters/credit-platform/retry", json=retry, headers=LI).json()
    assert (done["affected"], done["dry_run"]) == (1, False)
    _wait_for(lambda: len(server.accepted) == 1)
    assert server.accepted[0]["credit_code"] == CODE
    assert client.get("/dead-letters/credit-platform", headers=LI).json() == []

    # 3. Replay it from the journal (dry run first); the credit platform, which has it, drops it.
    replay = {"credit_code": CODE, "reason": "resend after the fix"}
    preview = client.post("/replay", json={**replay, "dry_run": True}, headers=WANG).json()
    assert (preview["affected"], preview["dry_run"]) == (1, True)
    replayed = client.post("/replay", json=replay, headers=WANG).json()
    assert (replayed["affected"], replayed["dry_run"]) == (1, False)
    _wait_for(lambda: any(e["event"] == "duplicate" for e in timeline()))
    assert len(server.accepted) == 1

    # 4. Every action is in the audit trail, under the actor whose token was used.
    audit = client.get("/audit", headers=LI).json()
    assert [(a["action"], a["actor"], a["reason"], a["affected"], a["dry_run"]) for a in audit] == [
        ("replay", "ops-wang", "resend after the fix", 1, False),
        ("replay", "ops-wang", "resend after the fix", 1, True),
        ("retry-dead-letters", "ops-li", "credit platform certificate renewed", 1, False),
        ("retry-dead-letters", "ops-li", "credit platform certificate renewed", 1, True),
    ]
    assert audit[0]["parameters"]["credit_code"] == CODE


# --- authentication ----------------------------------------------------------------------------


def _every_operation(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json", headers=LI).json()["paths"]
    return [(method.upper(), path.replace("{", "").replace("}", ""))  # any value fills a parameter
            for path, operations in paths.items() for method in operations]


def test_every_endpoint_refuses_a_request_without_a_token(embedded_admin: TestClient) -> None:
    operations = _every_operation(embedded_admin)
    assert len(operations) == 9
    for method, path in operations:
        # An empty body would be a validation error; the caller must not learn even that.
        response = embedded_admin.request(method, path, json={} if method == "POST" else None)
        error = _error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer", (method, path)
        assert "Bearer" in error["message"]


@pytest.mark.parametrize("authorization", [
    f"Bearer {LI_TOKEN}x",
    f"Bearer {LI_TOKEN[:-1]}",
    "Bearer ",
    f"Basic {LI_TOKEN}",
    LI_TOKEN,
])
def test_a_wrong_token_or_scheme_is_refused(embedded_admin: TestClient, authorization: str) -> None:
    response = embedded_admin.get("/audit", headers={"Authorization": authorization})
    _error(response, 401, "unauthorized")


def test_the_audit_names_the_actor_whose_token_was_used(embedded_admin: TestClient) -> None:
    for headers, reason in [(LI, "li checks"), (WANG, "wang checks")]:
        response = embedded_admin.post("/replay", json={"reason": reason, "dry_run": True},
                                       headers=headers)
        assert response.status_code == 200, response.text
    audit = embedded_admin.get("/audit", headers=LI).json()
    assert [(a["actor"], a["reason"]) for a in audit] == [("ops-wang", "wang checks"),
                                                          ("ops-li", "li checks")]


def test_tokens_appear_in_no_response_and_no_log_line(
    embedded_admin: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    responses = [
        embedded_admin.get("/audit", headers=LI),
        embedded_admin.get("/audit", headers={"Authorization": f"Bearer {WANG_TOKEN}-wrong"}),
        embedded_admin.post("/replay", json={"reason": "", "dry_run": True}, headers=WANG),
        embedded_admin.post("/replay", json={"bogus": 1}, headers=WANG),
        embedded_admin.get("/openapi.json", headers=LI),
        embedded_admin.get("/openapi.json"),
    ]
    assert [r.status_code for r in responses] == [200, 401, 400, 422, 200, 401]
    for token in (LI_TOKEN, WANG_TOKEN):
        assert all(token not in r.text for r in responses)
        assert token not in caplog.text


def test_serve_answers_over_a_real_socket_and_logs_no_token(tmp_path: Path) -> None:
    port = free_port()
    program = (  # logging as the hub command sets it up, so the access log is shown
        "import logging; logging.basicConfig(level=logging.DEBUG);"
        "from hub.app.http.admin_api import serve; from hub.app.http.auth import tokens_from_environment;"
        "from hub.assembly import Hub; from hub.config.settings import load_settings;"
        f"serve(Hub(load_settings()), host='127.0.0.1', port={port}, tokens=tokens_from_environment())"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(PYTHONPATH=str(REPO), HUB_DATA_DIR=str(tmp_path),
               **{TOKENS_VARIABLE: f"ops-li:{LI_TOKEN}"})
    server = subprocess.Popen([sys.executable, "-c", program], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/audit"

        def answering() -> bool:
            try:
                httpx.get(url, timeout=1)
            except httpx.TransportError:
                assert server.poll() is None, "the server exited"
                return False
            return True

        _wait_for(answering, timeout=30)
        assert httpx.get(url, headers=LI).json() == []
        assert httpx.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "GET /audit" in output and LI_TOKEN not in output


# --- token configuration -----------------------------------------------------------------------


def test_tokens_parse_from_actor_token_pairs() -> None:
    # The old form (actor:token) still parses; it is a viewer (see test_admin_api's role tests).
    tokens = parse_tokens(f" ops-li:{LI_TOKEN} , ops.wang@minhang:{WANG_TOKEN}:with:colons ,")
    assert {actor: grant.token.get_secret_value() for actor, grant in tokens.items()} == {
        "ops-li": LI_TOKEN, "ops.wang@minhang": f"{WANG_TOKEN}:with:colons"}
    assert {grant.role for grant in tokens.values()} == {Role.VIEWER}
    assert LI_TOKEN not in repr(tokens)


@pytest.mark.parametrize(("text", "complaint"), [
    ("", "names no actor"),
    (f"{LI_TOKEN}", "is not actor:role:token"),
    (f"ops li:{LI_TOKEN}", "must be up to 64 letters"),
    ("ops-li:short-secret", "shorter than 16"),
    (f"ops-li:{LI_TOKEN},ops-li:{WANG_TOKEN}", "given twice"),
    (f"ops-li:{LI_TOKEN},ops-wang:{LI_TOKEN}", "also another actor's"),
])
def test_bad_token_lists_are_refused_without_quoting_a_token(text: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint) as raised:
        parse_tokens(text)
    for secret in (LI_TOKEN, WANG_TOKEN, "short-secret"):
        assert secret not in str(raised.value)


def test_tokens_come_from_the_environment_variable() -> None:
    with pytest.raises(ConfigError, match=TOKENS_VARIABLE):
        tokens_from_environment({})
    tokens = tokens_from_environment({TOKENS_VARIABLE: f"ops-li:{LI_TOKEN}"})
    assert tokens["ops-li"].token.get_secret_value() == LI_TOKEN


def test_an_app_without_tokens_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one"):
        create_app(Hub(load_settings(data_dir=tmp_path)), tokens={})


# --- errors --------------------------------------------------------------------------------------


def test_a_blank_reason_is_refused_and_nothing_is_audited(admin: TestClient) -> None:
    for reason in ("", "   "):
        retry = {"all": True, "reason": reason}
        error = _error(admin.post("/dead-letters/credit-platform/retry", json=retry, headers=LI),
                       400, "bad_request")
        assert "reason is required" in error["message"]
        _error(admin.post("/replay", json={"reason": reason}, headers=LI), 400, "bad_request")
    assert admin.get("/audit", headers=LI).json() == []


def test_an_unknown_destination_is_a_bad_request(admin: TestClient) -> None:
    for response in [
        admin.get("/dead-letters/no-such-system", headers=LI),
        admin.get("/dead-letters/no-such-system/some-id", headers=LI),
        admin.post("/dead-letters/no-such-system/retry", json={"all": True, "reason": "r"},
                   headers=LI),
    ]:
        assert "no-such-system" in _error(response, 400, "bad_request")["message"]
    assert admin.get("/audit", headers=LI).json() == []


@pytest.mark.parametrize("body", [
    {"message_ids": ["a"], "all": True, "reason": "r"},
    {"reason": "r"},
    {"message_ids": [], "reason": "r"},
    {"all": True},
])
def test_a_retry_needs_message_ids_or_all_and_a_reason(admin: TestClient, body: dict[str, Any]) -> None:
    response = admin.post("/dead-letters/credit-platform/retry", json=body, headers=LI)
    assert _error(response, 422, "validation_error")["fields"]


@pytest.mark.parametrize(("body", "field"), [
    ({"reason": "r", "dry_run": True, "force": True}, ["body", "force"]),
    ({"reason": "r", "dry_run": True, "since": "2026-11-28T04:00:00"}, ["body", "since"]),
    ({"reason": "r", "dry_run": True, "limit": 0}, ["body", "limit"]),
    ({"reason": "r", "dry_run": True, "rate": 0}, ["body", "rate"]),
    ({"reason": "r", "dry_run": True, "event": "exploded"}, ["body"]),
])
def test_a_replay_body_that_does_not_fit_is_rejected_with_its_field(
    admin: TestClient, body: dict[str, Any], field: list[str]
) -> None:
    error = _error(admin.post("/replay", json=body, headers=LI), 422, "validation_error")
    assert field in [f["loc"] for f in error["fields"]]


def test_what_does_not_exist_is_not_found(admin: TestClient) -> None:
    _error(admin.get("/trace/no-such-message", headers=LI), 404, "not_found")
    _error(admin.get("/dead-letters/credit-platform/no-such-message", headers=LI), 404, "not_found")
    assert admin.get(f"/timeline/{CODE}", headers=LI).json() == []


def test_an_unreachable_broker_is_503_and_journal_reads_still_work(tmp_path: Path) -> None:
    password = "broker-password-7"
    hub = Hub(load_settings(broker_url=f"amqp://hub:{password}@127.0.0.1:1/hub", data_dir=tmp_path))
    with _client(hub) as client:
        response = client.get("/dead-letters/credit-platform", headers=LI)
        _error(response, 503, "broker_unavailable")
        assert password not in response.text
        dry_run = client.post("/replay", json={"reason": "look first", "dry_run": True}, headers=LI)
        assert dry_run.status_code == 200, dry_run.text
        _error(client.post("/replay", json={"reason": "now"}, headers=LI), 503, "broker_unavailable")
        assert [a["dry_run"] for a in client.get("/audit", headers=LI).json()] == [True]


def test_an_unreachable_journal_is_503(tmp_path: Path) -> None:
    journal = Journal(create_journal_engine("postgresql+psycopg://hub@127.0.0.1:1/journal"))
    try:
        with _client(Hub(load_settings(data_dir=tmp_path)), journal=journal) as client:
            _error(client.get("/audit", headers=LI), 503, "journal_unavailable")
            _error(client.get("/trace/some-id", headers=LI), 503, "journal_unavailable")
            _error(client.post("/replay", json={"reason": "r", "dry_run": True}, headers=LI),
                   503, "journal_unavailable")
    finally:
        journal.close()


# --- the OpenAPI document ------------------------------------------------------------------------


def test_the_openapi_document_lists_every_endpoint_behind_bearer_auth(
    embedded_admin: TestClient,
) -> None:
    document = embedded_admin.get("/openapi.json", headers=LI).json()
    listed = {(method, path) for path, operations in document["paths"].items()
              for method in operations}
    assert listed == {
        ("get", "/dead-letters/{destination}"),
        ("get", "/dead-letters/{destination}/{message_id}"),
        ("post", "/dead-letters/{destination}/retry"),
        ("post", "/replay"),
        ("get", "/trace/{message_id}"),
        ("get", "/timeline/{credit_code}"),
        ("get", "/messages/{message_id}"),
        ("post", "/persons/search"),
        ("get", "/audit"),
    }
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"HTTPBearer": []}], (method, path)
            assert {"401", "422", "503"} <= set(operation["responses"]), (method, path)
    schemas = document["components"]["schemas"]
    for body in ("RetryRequest", "ReplayRequest", "PersonRequest"):
        assert schemas[body]["additionalProperties"] is False
        assert "reason" in schemas[body]["required"]
