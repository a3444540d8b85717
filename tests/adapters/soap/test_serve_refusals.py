"""soap-serve refusing what it cannot take: malformed SOAP, hostile XML, requests outside the
contract. Each gets a soap fault with a machine-readable reason, and the request's original
bytes are quarantined (``port.reject``) so nothing is lost."""

from __future__ import annotations

import socket

import pytest
import requests

from tests.adapters.soap.conftest import (
    CALLER,
    EX_NS,
    PASSWORD,
    Served,
    fault_of,
    soap_request,
    submit_record,
    text_token,
)

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE soap:Envelope [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<ex:SubmitRecord xmlns:ex="urn:supervision-hub:exchange:1"><ex:recordType>&secret;</ex:recordType>
</ex:SubmitRecord></soap:Body></soap:Envelope>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol3;
</soap:Body></soap:Envelope>"""
SOAP12 = b"""<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body>
<ex:SubmitRecord xmlns:ex="urn:supervision-hub:exchange:1"/></env:Body></env:Envelope>"""


def _post(served: Served, body: bytes, *, basic: bool = True,
          content_type: str = "text/xml; charset=utf-8") -> requests.Response:
    return requests.post(served.url, data=body, auth=(CALLER, PASSWORD) if basic else None,
                         headers={"Content-Type": content_type}, timeout=5)


@pytest.mark.parametrize(("body", "faultcode", "code", "cause"), [
    (b"this is not xml", "soap:Client", "adapter.malformed", "xml.malformed"),
    (b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>",
     "soap:Client", "adapter.malformed", "xml.malformed"),
    (XXE, "soap:Client", "adapter.malformed", "xml.doctype_forbidden"),
    (LAUGHS, "soap:Client", "adapter.malformed", "xml.doctype_forbidden"),
    (b"<order/>", "soap:Client", "adapter.malformed", None),
    (SOAP12, "soap:VersionMismatch", "adapter.unsupported", None),
    ('<?xml version="1.0" encoding="GBK"?><a>\u98df</a>'.encode(), "soap:Client",
     "adapter.encoding", "xml.encoding_mismatch"),
])
def test_unreadable_or_hostile_xml_is_refused_and_its_bytes_quarantined(
    served: Served, body: bytes, faultcode: str, code: str, cause: str | None,
) -> None:
    answer = _post(served, body)
    assert answer.status_code == 500
    fault = fault_of(answer.content)
    assert (fault["faultcode"], fault["code"], fault["cause"]) == (faultcode, code, cause)
    assert served.port.submitted == []
    (rejected,) = served.port.rejected
    assert rejected.body == body and rejected.problem.code == code
    assert fault["messageId"] is not None  # the caller can quote the quarantined copy
    assert b"root:" not in answer.content  # the entity was never expanded


def test_hostile_xml_from_an_unauthenticated_caller_is_refused_but_not_kept(
    served: Served,
) -> None:
    # Its credentials would be inside the unreadable XML: nobody vouches for these bytes.
    answer = _post(served, XXE, basic=False)
    assert fault_of(answer.content)["cause"] == "xml.doctype_forbidden"
    assert served.port.rejected == [] and served.port.submitted == []


def test_an_unknown_mandatory_header_gets_a_must_understand_fault(served: Served) -> None:
    header = text_token() + ('<t:Trace xmlns:t="urn:other" xmlns:soap='
                             '"http://schemas.xmlsoap.org/soap/envelope/" '
                             'soap:mustUnderstand="1">x</t:Trace>')
    answer = _post(served, soap_request(submit_record(), header=header), basic=False)
    assert fault_of(answer.content)["faultcode"] == "soap:MustUnderstand"
    assert served.port.submitted == []


@pytest.mark.parametrize(("operation", "code", "path"), [
    (submit_record(record_type="feedback"), "adapter.unsupported", "SubmitRecord/recordType"),
    (submit_record(record_type="tax_return"), "adapter.unsupported", "SubmitRecord/recordType"),
    (submit_record(source_id=""), "adapter.malformed", "SubmitRecord/sourceMessageId"),
    (submit_record(content_type="text/csv"), "adapter.unsupported", "SubmitRecord/contentType"),
    (submit_record(content_type="application/json; charset=GBK"), "adapter.encoding",
     "SubmitRecord/contentType"),
    (submit_record(body=""), "adapter.malformed", "SubmitRecord/body"),
    (submit_record(body="   "), "adapter.malformed", "SubmitRecord/body"),
    (submit_record(extra="<ex:bodyBase64>e30=</ex:bodyBase64>"), "adapter.malformed",
     "SubmitRecord/body"),
    (submit_record(body="", extra="<ex:bodyBase64>not base64!</ex:bodyBase64>"),
     "adapter.malformed", "SubmitRecord/bodyBase64"),
    (submit_record(extra="<ex:priority>1</ex:priority>"), "adapter.malformed",
     "SubmitRecord/priority"),
    (f'<ex:DeleteRecord xmlns:ex="{EX_NS}"/>', "adapter.unsupported", None),
])
def test_a_request_outside_the_contract_is_quarantined_with_the_reason_and_where(
    served: Served, operation: str, code: str, path: str | None,
) -> None:
    request = soap_request(operation)
    answer = _post(served, request, basic=False)
    fault = fault_of(answer.content)
    assert (fault["faultcode"], fault["code"], fault["path"]) == ("soap:Client", code, path)
    (rejected,) = served.port.rejected
    assert rejected.body == request and rejected.problem.code == code
    assert rejected.problem.path == (path or "")
    assert fault["messageId"]  # the caller can quote the quarantined copy
    assert served.port.submitted == []


def test_a_refused_request_keeps_its_record_type_and_source_id_when_they_are_readable(
    served: Served,
) -> None:
    answer = _post(served, soap_request(submit_record(content_type="text/csv",
                                                      source_id="city-77")), basic=False)
    assert fault_of(answer.content)["messageId"] == "city-77"  # RecordingPort's id for it
    (rejected,) = served.port.rejected
    assert (rejected.record_type, rejected.source_message_id) == ("administrative_licence",
                                                                 "city-77")


def test_if_the_hub_cannot_quarantine_the_caller_gets_a_server_fault_to_retry(
    served: Served,
) -> None:
    served.port.failing = True
    answer = _post(served, b"not xml")
    assert fault_of(answer.content)["faultcode"] == "soap:Server"
    assert fault_of(answer.content)["code"] == "hub.unavailable"


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(served: Served) -> None:
    limit = served.adapter.config.max_request_bytes
    with socket.create_connection(("127.0.0.1", int(served.url.split(":")[2].split("/")[0]))) as s:
        s.sendall(f"POST /soap/exchange HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
                  f"Content-Length: {limit + 1}\r\n\r\n".encode())
        answer = s.makefile("rb").read()
    assert answer.split(b" ", 2)[1] == b"413"  # HTTP/1.1 since uvicorn serves the endpoint
    assert served.port.submitted == [] and served.port.rejected == []


def test_a_request_without_a_length_is_refused(served: Served) -> None:
    def chunks():  # requests sends a generator chunked, without Content-Length
        yield soap_request(submit_record())

    answer = requests.post(served.url, data=chunks(), headers={"Content-Type": "text/xml"},
                           timeout=5)
    assert answer.status_code == 411 and served.port.submitted == []
