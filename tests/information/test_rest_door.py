"""The information service's REST door: per-caller tokens, purpose-bound access, answers
trimmed to the caller's policy, every error one JSON shape with a code, every question audited."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from zeep import Client
from zeep.wsse.username import UsernameToken

from adapters.simulators.ports import free_port
from hub.app.http.information_api import create_app
from hub.assembly import Hub
from hub.information.access import AccessPolicy
from tests.information.conftest import (
    ENTITY,
    HALL_TOKEN,
    OFFICER_TOKEN,
    PERSON_ID,
    POLICY,
    hub_with_samples,
)
from tests.support.waiting import wait_until


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return hub_with_samples(tmp_path, "memory://")


@pytest.fixture
def client(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("TEST_INFO_HALL", HALL_TOKEN)
    monkeypatch.setenv("TEST_INFO_OFFICER", OFFICER_TOKEN)
    path = tmp_path / "access.yaml"
    path.write_text(yaml.safe_dump(POLICY, allow_unicode=True), encoding="utf-8")
    with TestClient(create_app(hub, AccessPolicy.load(path))) as test_client:
        yield test_client


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _audits(hub: Hub) -> list[tuple[str, str, str]]:
    journal = hub.open_journal()
    try:
        return [(a.actor, a.action, a.reason) for a in journal.audits()]
    finally:
        journal.close()


def test_a_profile_shows_only_what_the_policy_names(client: TestClient, hub: Hub) -> None:
    answer = client.get(f"/entities/{ENTITY}", headers=_as(HALL_TOKEN),
                        params={"purpose": "行政审批", "as_of": "2025-06-01"})
    assert answer.status_code == 200, answer.text
    profile = answer.json()
    [licence] = profile["licences_in_force"]
    assert licence["payload"] == {"party": {"name": "上海闵行示例餐饮有限公司"},
                                  "licence_number": "JY23101120012345", "valid_to": "2029-02-28"}
    assert [m["business_key"] for m in profile["measures_in_force"]] == ["LHCJ-2024-0008"]
    assert profile["inspections"] == []  # inspection results are not in its policy
    assert _audits(hub) == [("service-hall", "query.profile", "行政审批")]


def test_the_discipline_check_for_a_department_the_caller_acts_for(client: TestClient) -> None:
    answer = client.get(f"/entities/{ENTITY}/discipline-check", headers=_as(HALL_TOKEN),
                        params={"purpose": "行政审批", "department": "commerce",
                                "licence_item": "政府采购", "on": "2025-06-01"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["restricted"] is True
    refused = client.get(f"/entities/{ENTITY}/discipline-check", headers=_as(HALL_TOKEN),
                         params={"purpose": "行政审批", "department": "police",
                                 "licence_item": "政府采购"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "query.forbidden"


def test_search_by_name(client: TestClient) -> None:
    answer = client.get("/entities", headers=_as(HALL_TOKEN),
                        params={"purpose": "行政审批", "name": "上海闵行"})
    assert answer.status_code == 200, answer.text
    assert [hit["credit_code"] for hit in answer.json()["hits"]] == [ENTITY]


def test_a_person_is_found_only_by_a_caller_entitled_to_personal_data(
    client: TestClient, hub: Hub
) -> None:
    body = {"id_number": PERSON_ID, "purpose": "个人信息核查"}
    found = client.post("/persons/search", headers=_as(OFFICER_TOKEN), json=body)
    assert found.status_code == 200, found.text
    [record] = found.json()["records"]
    assert record["payload"]["party"]["id_number"] == PERSON_ID
    refused = client.post("/persons/search", headers=_as(HALL_TOKEN),
                          json={**body, "purpose": "行政审批"})
    assert refused.status_code == 403
    # The audit entry does not keep the number.
    assert [a for a in _audits(hub) if a[1] == "query.search_by_person"] == [
        ("pi-officer", "query.search_by_person", "个人信息核查")]


@pytest.mark.parametrize(("headers", "params", "status", "code"), [
    ({}, {"purpose": "行政审批"}, 401, "auth.unauthenticated"),
    (_as("not-a-token-of-anyone-here"), {"purpose": "行政审批"}, 401, "auth.unauthenticated"),
    (_as(HALL_TOKEN), {"purpose": "市场营销"}, 403, "query.forbidden"),
    (_as(OFFICER_TOKEN), {"purpose": "个人信息核查"}, 403, "query.forbidden"),
    (_as(HALL_TOKEN), {}, 422, "validation_error"),
    (_as(HALL_TOKEN), {"purpose": "行政审批", "as_of": "yesterday"}, 422, "validation_error"),
])
def test_bad_requests_get_a_clear_error_and_no_answer(
    client: TestClient, hub: Hub, headers: dict[str, str], params: dict[str, str], status: int,
    code: str,
) -> None:
    answer = client.get(f"/entities/{ENTITY}", headers=headers, params=params)
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == code
    assert _audits(hub) == []


def test_a_malformed_credit_code_is_a_400_with_its_reason(client: TestClient) -> None:
    answer = client.get("/entities/91350100M000100Y4Z", headers=_as(HALL_TOKEN),
                        params={"purpose": "行政审批"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "query.credit_code_invalid"


def test_the_openapi_document_names_every_operation(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/entities/{credit_code}", "/entities/{credit_code}/discipline-check",
                          "/entities", "/persons/search"}


def test_hub_information_serve_answers_over_rest_and_soap_on_real_sockets(
    hub: Hub, tmp_path: Path
) -> None:
    path = tmp_path / "access.yaml"
    path.write_text(yaml.safe_dump(POLICY, allow_unicode=True), encoding="utf-8")
    port, soap_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATA_DIR=str(tmp_path), HUB_BROKER_URL="memory://",
               TEST_INFO_HALL=HALL_TOKEN, TEST_INFO_OFFICER=OFFICER_TOKEN)
    server = subprocess.Popen(
        [sys.executable, "-m", "hub.app.cli", "information", "serve", "--port", str(port),
         "--soap-port", str(soap_port), "--access", str(path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        def answering() -> bool:
            assert server.poll() is None, "the server exited"
            try:
                return httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_until(answering, "the information service answering", timeout=30)
        answer = httpx.get(f"{url}/entities/{ENTITY}", headers=_as(HALL_TOKEN),
                           params={"purpose": "行政审批", "as_of": "2025-06-01"})
        assert answer.status_code == 200
        assert answer.json()["licences_in_force"][0]["payload"]["licence_number"] == (
            "JY23101120012345")
        assert httpx.get(f"{url}/entities/{ENTITY}").status_code == 401
        check = httpx.get(f"{url}/entities/{ENTITY}/discipline-check", headers=_as(HALL_TOKEN),
                          params={"purpose": "行政审批", "department": "commerce",
                                  "licence_item": "政府采购", "on": "2025-06-01"})
        assert check.status_code == 200 and check.json()["restricted"] is True
        search = httpx.get(f"{url}/entities", headers=_as(HALL_TOKEN),
                           params={"purpose": "行政审批", "name": "上海闵行"})
        assert [hit["credit_code"] for hit in search.json()["hits"]] == [ENTITY]
        person = httpx.post(f"{url}/persons/search", headers=_as(OFFICER_TOKEN),
                            json={"id_number": PERSON_ID, "purpose": "个人信息核查"})
        assert person.status_code == 200 and len(person.json()["records"]) == 1
        soap = Client(f"http://127.0.0.1:{soap_port}/soap/information?wsdl",
                      wsse=UsernameToken("service-hall", HALL_TOKEN, use_digest=True))
        profile = soap.service.GetProfile(purpose="行政审批", creditCode=ENTITY)
        assert json.loads(profile.answer)["credit_code"] == ENTITY
    finally:
        server.send_signal(signal.SIGTERM)
        _out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err.decode(errors="replace")[-2000:]
    assert HALL_TOKEN.encode() not in err
