"""The information service's SOAP door on a real socket, called with zeep from its own ?wsdl:
every operation, WS-Security and HTTP Basic callers, faults with the other doors' codes, and
hostile XML refused before anything is asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from lxml import etree
from zeep import Client, Settings
from zeep.exceptions import Fault
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from adapters.soap.server import SoapHttpServer
from hub.app.http.information_soap import INFORMATION_NS, soap_door_running
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

EXCHANGE_NS = "urn:supervision-hub:exchange:1"


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    return hub_with_samples(tmp_path, "memory://")


@pytest.fixture
def server(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[SoapHttpServer]:
    monkeypatch.setenv("TEST_INFO_HALL", HALL_TOKEN)
    monkeypatch.setenv("TEST_INFO_OFFICER", OFFICER_TOKEN)
    path = tmp_path / "access.yaml"
    path.write_text(yaml.safe_dump(POLICY, allow_unicode=True), encoding="utf-8")
    with soap_door_running(hub, AccessPolicy.load(path), host="127.0.0.1", port=0) as running:
        yield running


def client(server: SoapHttpServer, user: str = "service-hall", token: str = HALL_TOKEN,
           ) -> Any:
    """A zeep client built from the door's own ?wsdl, signing with a PasswordDigest token."""
    return Client(f"{server.url}?wsdl", wsse=UsernameToken(user, token, use_digest=True),
                  settings=Settings(strict=True)).service


def fault_code(fault: Fault) -> str:
    assert fault.detail is not None
    code = fault.detail.find(f".//{{{EXCHANGE_NS}}}code")
    assert code is not None and code.text
    return code.text


def audits(hub: Hub) -> list[tuple[str, str, str]]:
    journal = hub.open_journal()
    try:
        return [(a.actor, a.action, a.reason) for a in journal.audits()]
    finally:
        journal.close()


def test_a_profile_as_the_callers_policy_shows_it(server: SoapHttpServer, hub: Hub) -> None:
    answer = client(server).GetProfile(purpose="行政审批", creditCode=ENTITY,
                                       asOf=date(2025, 6, 1))
    assert answer.creditCode == ENTITY
    profile = json.loads(answer.answer)
    [licence] = profile["licences_in_force"]
    assert licence["payload"] == {"party": {"name": "上海闵行示例餐饮有限公司"},
                                  "licence_number": "JY23101120012345", "valid_to": "2029-02-28"}
    assert profile["inspections"] == []
    assert audits(hub) == [("service-hall", "query.profile", "行政审批")]


def test_every_other_operation(server: SoapHttpServer) -> None:
    hall = client(server)
    check = hall.CheckDiscipline(purpose="行政审批", creditCode=ENTITY, department="commerce",
                                 licenceItem="政府采购", on=date(2025, 6, 1))
    assert check.restricted is True
    assert json.loads(check.answer)["measures"][0]["discipline_id"] == "LHCJ-2024-0008"
    # zeep hands back a response of one element as that element's value: the JSON text.
    search = hall.SearchByName(purpose="行政审批", name="上海闵行")
    assert [hit["credit_code"] for hit in json.loads(search)["hits"]] == [ENTITY]
    person = client(server, "pi-officer", OFFICER_TOKEN).SearchByPerson(
        purpose="个人信息核查", idNumber=PERSON_ID)
    [record] = json.loads(person)["records"]
    assert record["payload"]["party"]["id_number"] == PERSON_ID


def test_http_basic_and_password_text_on_loopback(server: SoapHttpServer) -> None:
    session = requests.Session()
    session.auth = ("service-hall", HALL_TOKEN)
    basic = Client(f"{server.url}?wsdl", transport=Transport(session=session)).service
    assert json.loads(basic.SearchByName(purpose="行政审批", name="上海闵行"))["hits"]
    text = Client(f"{server.url}?wsdl", wsse=UsernameToken("service-hall", HALL_TOKEN)).service
    assert json.loads(text.SearchByName(purpose="行政审批", name="上海闵行"))["hits"]


@pytest.mark.parametrize(("user", "token", "call", "code"), [
    ("service-hall", "not-the-right-token-at-all", {"purpose": "行政审批"},
     "auth.unauthenticated"),
    ("nobody", HALL_TOKEN, {"purpose": "行政审批"}, "auth.unauthenticated"),
    ("service-hall", HALL_TOKEN, {"purpose": "市场营销"}, "query.forbidden"),
    ("service-hall", HALL_TOKEN, {"purpose": "行政审批", "creditCode": "91350100M000100Y4Z"},
     "query.credit_code_invalid"),
    ("pi-officer", OFFICER_TOKEN, {"purpose": "个人信息核查"}, "query.forbidden"),
])
def test_a_refused_question_is_a_client_fault_with_its_code(
    server: SoapHttpServer, hub: Hub, user: str, token: str, call: dict[str, str], code: str,
) -> None:
    with pytest.raises(Fault) as refused:
        client(server, user, token).GetProfile(**{"creditCode": ENTITY, **call})
    assert refused.value.code is not None and refused.value.code.endswith("Client")
    assert fault_code(refused.value) == code
    assert audits(hub) == []


def _post(server: SoapHttpServer, body: str, **headers: str) -> tuple[int, str]:
    answer = requests.post(server.url, data=body.encode("utf-8"), timeout=10, headers={
        "Content-Type": "text/xml; charset=utf-8", **headers})
    root = etree.fromstring(answer.content)
    code = root.find(f".//{{{EXCHANGE_NS}}}code")
    return answer.status_code, "" if code is None else str(code.text)


def _envelope(operation: str, children: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
            f'xmlns:inf="{INFORMATION_NS}"><soap:Body><inf:{operation}>{children}'
            f'</inf:{operation}></soap:Body></soap:Envelope>')


BASIC = {"Authorization": "Basic c2VydmljZS1oYWxsOmhhbGwtdG9rZW4tMDEyMzQ1Njc4OWFiY2RlZg=="}


@pytest.mark.parametrize(("body", "headers", "code"), [
    (_envelope("GetProfile", f"<inf:purpose>行政审批</inf:purpose><inf:creditCode>{ENTITY}"
                             "</inf:creditCode><inf:asOf>yesterday</inf:asOf>"), BASIC,
     "validation_error"),
    (_envelope("GetProfile", "<inf:purpose>行政审批</inf:purpose><inf:drop>1</inf:drop>"), BASIC,
     "validation_error"),
    (_envelope("DeleteEverything", "<inf:purpose>行政审批</inf:purpose>"), BASIC,
     "adapter.unsupported"),
    (_envelope("GetProfile", f"<inf:purpose>行政审批</inf:purpose><inf:creditCode>{ENTITY}"
                             "</inf:creditCode>"), {}, "auth.unauthenticated"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     + _envelope("GetProfile", "<inf:purpose>&xxe;</inf:purpose>").split("?>", 1)[1], BASIC,
     "adapter.malformed"),
])
def test_hostile_or_malformed_requests_get_a_fault_and_no_answer(
    server: SoapHttpServer, hub: Hub, body: str, headers: dict[str, str], code: str
) -> None:
    status, found = _post(server, body, **headers)
    assert (status, found) == (500, code)
    assert audits(hub) == []


def test_the_wsdl_names_the_address_it_is_served_at(server: SoapHttpServer) -> None:
    wsdl = etree.fromstring(requests.get(f"{server.url}?wsdl", timeout=10).content)
    [address] = wsdl.iter("{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address.get("location") == server.url
