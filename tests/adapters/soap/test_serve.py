"""soap-serve with zeep as the caller, over real HTTP on loopback: what reaches the hub, when the
caller gets its answer, and who may call."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
import requests
from lxml import etree
from zeep.exceptions import Fault

from adapters.sdk import InboundRecord
from adapters.testing import RecordingPort
from tests.adapters.soap.conftest import (
    CALLER,
    PASSWORD,
    Served,
    digest_token,
    fault_of,
    licence,
    serve_adapter,
    serve_config,
    soap_request,
    submit_record,
)


def _detail_code(fault: Fault) -> str | None:
    return fault.detail.findtext("{urn:supervision-hub:exchange:1}ExchangeFault/"
                                 "{urn:supervision-hub:exchange:1}code")


@pytest.mark.parametrize("digest", [False, True])
def test_a_record_sent_by_zeep_reaches_the_hub_unchanged_with_its_ids(
    served: Served, digest: bool,
) -> None:
    text = json.dumps(licence(), ensure_ascii=False)
    answer = served.client(digest=digest).service.SubmitRecord(
        recordType="administrative_licence", sourceMessageId="city-000042",
        contentType="application/json", body=text,
    )
    (record,) = served.port.submitted
    assert record.body == text.encode("utf-8")
    assert (record.record_type, record.source_message_id) == ("administrative_licence",
                                                             "city-000042")
    assert record.content_type == "application/json; charset=utf-8"
    assert record.headers == {"hub-soap-caller": CALLER}
    assert answer.messageId == "city-000042"  # what RecordingPort gives as the hub id
    assert answer.sourceMessageId == "city-000042"


def test_bytes_in_gbk_sent_as_base64_arrive_byte_for_byte(served: Served) -> None:
    xml = '<?xml version="1.0" encoding="GBK"?><administrative_licence>食品</administrative_licence>'
    raw = xml.encode("gbk")
    served.client().service.SubmitRecord(
        recordType="administrative_licence", sourceMessageId="city-gbk",
        contentType="application/xml; charset=GBK", bodyBase64=raw,
    )
    (record,) = served.port.submitted
    assert record.body == raw and record.content_type == "application/xml; charset=GBK"


class _GatedPort(RecordingPort):
    """Holds every submit until ``gate`` is set."""

    def __init__(self) -> None:
        super().__init__("city-platform")
        self.gate = threading.Event()
        self.entered = threading.Event()

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        self.entered.set()
        assert self.gate.wait(10)
        return super().submit(records)


def test_the_caller_is_answered_only_after_the_hub_has_the_record(caller_env: str) -> None:
    port = _GatedPort()
    adapter = serve_adapter(serve_config(caller_env), port)
    adapter.start()
    client = Served(adapter, port).client()
    answers: list[str] = []
    caller = threading.Thread(target=lambda: answers.append(client.service.SubmitRecord(
        recordType="administrative_licence", sourceMessageId="city-1",
        contentType="application/json", body="{}").messageId))
    caller.start()
    assert port.entered.wait(5)
    caller.join(0.3)
    assert caller.is_alive() and answers == []  # submit has not returned: no answer yet
    port.gate.set()
    caller.join(5)
    assert answers == ["city-1"]
    adapter.stop()


def test_stop_lets_a_request_in_progress_finish_and_answer(caller_env: str) -> None:
    port = _GatedPort()
    adapter = serve_adapter(serve_config(caller_env), port)
    adapter.start()
    url = adapter.url
    answers: list[requests.Response] = []
    caller = threading.Thread(target=lambda: answers.append(requests.post(
        url, data=soap_request(submit_record()), headers={"Content-Type": "text/xml"},
        timeout=10)))
    caller.start()
    assert port.entered.wait(5)
    stopping = threading.Thread(target=adapter.stop)
    stopping.start()
    stopping.join(0.3)
    assert stopping.is_alive()  # waiting for the request in progress
    port.gate.set()
    stopping.join(5)
    caller.join(5)
    assert answers[0].status_code == 200 and len(port.submitted) == 1


def test_requests_beyond_the_concurrency_limit_are_told_to_come_back(caller_env: str) -> None:
    port = _GatedPort()
    adapter = serve_adapter(serve_config(caller_env, max_concurrent_requests=1), port)
    adapter.start()
    url = adapter.url
    first = threading.Thread(target=lambda: requests.post(
        url, data=soap_request(submit_record()), headers={"Content-Type": "text/xml"}, timeout=10))
    first.start()
    try:
        assert port.entered.wait(5)
        second = requests.post(url, data=soap_request(submit_record(source_id="city-2")),
                               headers={"Content-Type": "text/xml"}, timeout=5)
        assert second.status_code == 503
        assert fault_of(second.content)["faultcode"] == "soap:Server"
    finally:
        port.gate.set()
        first.join(5)
        adapter.stop()
    assert [r.source_message_id for r in port.submitted] == ["city-1"]


def test_when_the_hub_cannot_take_records_the_caller_gets_a_server_fault_and_can_retry(
    served: Served,
) -> None:
    client = served.client()
    served.port.failing = True
    with pytest.raises(Fault) as caught:
        client.service.SubmitRecord(recordType="administrative_licence",
                                    sourceMessageId="city-1", contentType="application/json",
                                    body="{}")
    assert caught.value.code == "soap:Server" and _detail_code(caught.value) == "hub.unavailable"
    assert served.port.submitted == [] and served.port.rejected == []
    served.port.failing = False
    client.service.SubmitRecord(recordType="administrative_licence", sourceMessageId="city-1",
                                contentType="application/json", body="{}")
    assert len(served.port.submitted) == 1


@pytest.mark.parametrize(("username", "password", "digest"), [
    (CALLER, "wrong", False),
    (CALLER, "wrong", True),
    ("somebody-else", PASSWORD, False),
])
def test_wrong_credentials_get_a_client_fault_and_nothing_is_kept(
    served: Served, username: str, password: str, digest: bool,
) -> None:
    with pytest.raises(Fault) as caught:
        served.client(username, password, digest=digest).service.SubmitRecord(
            recordType="administrative_licence", sourceMessageId="city-1",
            contentType="application/json", body="{}")
    assert caught.value.code == "soap:Client"
    assert _detail_code(caught.value) == "adapter.unauthorised"
    assert served.port.submitted == [] and served.port.rejected == []


@pytest.mark.parametrize(("auth", "header", "status"), [
    ((CALLER, PASSWORD), "", 200),
    ((CALLER, "wrong"), "", 500),
    (None, "", 500),  # no credentials at all
])
def test_http_basic_credentials_are_checked(
    served: Served, auth: tuple[str, str] | None, header: str, status: int,
) -> None:
    answer = requests.post(served.url, data=soap_request(submit_record(), header=header),
                           auth=auth, headers={"Content-Type": "text/xml"}, timeout=5)
    assert answer.status_code == status
    if status != 200:
        assert fault_of(answer.content)["code"] == "adapter.unauthorised"
    assert len(served.port.submitted) == (1 if status == 200 else 0)
    assert served.port.rejected == []


def _post(served: Served, body: bytes) -> requests.Response:
    return requests.post(served.url, data=body, headers={"Content-Type": "text/xml"}, timeout=5)


def test_a_replayed_digest_token_is_refused(served: Served) -> None:
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    request = soap_request(submit_record(), header=digest_token(os.urandom(16), created))
    assert _post(served, request).status_code == 200
    replay = _post(served, request)
    assert replay.status_code == 500
    assert "replayed" in (fault_of(replay.content)["message"] or "")
    assert len(served.port.submitted) == 1


def test_a_digest_token_created_long_ago_is_refused(served: Served) -> None:
    created = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = _post(served, soap_request(submit_record(),
                                        header=digest_token(os.urandom(16), created)))
    assert fault_of(answer.content)["code"] == "adapter.unauthorised"
    assert served.port.submitted == []


def test_the_wsdl_is_served_with_this_endpoints_address_and_only_its_service(
    served: Served,
) -> None:
    answer = requests.get(f"{served.url}?wsdl", timeout=5)
    assert answer.status_code == 200
    root = etree.fromstring(answer.content)
    ns = {"w": "http://schemas.xmlsoap.org/wsdl/", "s": "http://schemas.xmlsoap.org/wsdl/soap/"}
    assert [s.get("name") for s in root.findall("w:service", ns)] == ["DistrictExchangeService"]
    assert root.find("w:service/w:port/s:address", ns).get("location") == served.url
    assert b"ASSUMED CONTRACT, UNCONFIRMED" in answer.content
    assert requests.get(f"{served.url}/other?wsdl", timeout=5).status_code == 404


def test_a_public_url_is_what_the_wsdl_advertises(caller_env: str) -> None:
    port = RecordingPort("city-platform")
    adapter = serve_adapter(serve_config(caller_env, public_url="https://hub.example/soap"), port)
    adapter.start()
    try:
        assert b'location="https://hub.example/soap"' in requests.get(
            f"{adapter.url}?wsdl", timeout=5).content
    finally:
        adapter.stop()


def test_base64_whitespace_is_allowed_as_xml_schema_allows_it(served: Served) -> None:
    encoded = base64.b64encode(b'{"a": 1}').decode()
    body = submit_record(body="", extra=f"<ex:bodyBase64>\n{encoded[:4]}\n{encoded[4:]}\n"
                                        "</ex:bodyBase64>")
    assert _post(served, soap_request(body)).status_code == 200
    assert served.port.submitted[0].body == b'{"a": 1}'
