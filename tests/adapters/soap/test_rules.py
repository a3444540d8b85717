"""The two rule tables behind the soap adapters, case by case: which call failures are retried,
and which credentials let a caller in."""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests
from lxml import etree
from pydantic import SecretStr
from zeep.exceptions import Fault, TransportError, ValidationError

from adapters.sdk import PermanentError, TransientError
from adapters.soap.credentials import Callers, UsernameToken, basic_credentials
from adapters.soap.outcomes import classify, fault_code
from adapters.soap.soap11 import SoapFault

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
CREATED = "2027-01-15T08:00:00Z"


@pytest.mark.parametrize(("code", "local"), [
    ("soap:Client", "Client"), ("SOAP-ENV:Server", "Server"),
    ("{http://schemas.xmlsoap.org/soap/envelope/}Client", "Client"),
    ("soap:Client.Authentication", "Client"), ("Receiver", "Receiver"), (None, None), ("", None),
])
def test_fault_codes_are_read_whatever_the_prefix_or_subcode(code: str | None,
                                                             local: str | None) -> None:
    assert fault_code(code) == local


@pytest.mark.parametrize(("error", "status", "expected"), [
    (Fault("refused", code="soap:Client"), 500, PermanentError),
    (Fault("version", code="soap:VersionMismatch"), 500, PermanentError),
    (Fault("busy", code="soap:Server"), 500, TransientError),
    (Fault("refused", code="env:Sender"), 400, PermanentError),
    (Fault("busy", code="env:Receiver"), 500, TransientError),
    (Fault("Unknown fault occured"), 502, TransientError),
    (Fault("Unknown fault occured"), 400, PermanentError),
    (TransportError("x", status_code=503), None, TransientError),
    (TransportError("x", status_code=429), None, TransientError),
    (TransportError("x", status_code=404), None, PermanentError),
    (TransportError("x", status_code=401), None, PermanentError),
    (requests.Timeout("read timed out"), None, TransientError),
    (requests.ConnectionError("refused"), None, TransientError),
    (ValidationError("Missing element messageId"), None, PermanentError),
])
def test_each_call_failure_is_retried_or_not(error: Exception, status: int | None,
                                             expected: type[Exception]) -> None:
    assert type(classify(error, status, "city ReceiveRecord")) is expected


def test_the_detail_code_of_a_fault_is_quoted_in_the_error() -> None:
    detail = etree.fromstring(
        '<detail><e:ExchangeFault xmlns:e="urn:supervision-hub:exchange:1">'
        "<e:code>adapter.unauthorised</e:code></e:ExchangeFault></detail>")
    error = classify(Fault("no", code="soap:Client", detail=detail), 500, "city")
    assert "[adapter.unauthorised]" in str(error)


def test_an_error_that_is_not_a_call_failure_is_left_alone() -> None:
    assert classify(KeyError("bug"), None, "city") is None


def _digest(nonce: bytes, created: str, password: str) -> str:
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode())
                            .digest()).decode()


def _token(password: str = "pw", nonce: bytes = b"n1", created: str = CREATED) -> UsernameToken:
    return UsernameToken("city", _digest(nonce, created, password), True,
                         base64.b64encode(nonce).decode(), created)


@pytest.fixture
def callers() -> Callers:
    return Callers({"city": SecretStr("pw")}, max_skew_seconds=300, clock=lambda: T0)


def test_a_digest_token_is_accepted_once(callers: Callers) -> None:
    assert callers.check_token(_token()) == "city"
    with pytest.raises(SoapFault, match="replayed"):
        callers.check_token(_token())
    assert callers.check_token(_token(nonce=b"n2")) == "city"


@pytest.mark.parametrize(("token", "message"), [
    (_token(password="guess"), "unknown user or wrong password"),
    (UsernameToken("mallory", _digest(b"n", CREATED, "pw"), True, "bg==", CREATED),
     "unknown user or wrong password"),
    (_token(created="2027-01-15T07:50:00Z"), "limit is 300s"),
    (_token(created="2027-01-15T08:10:00+00:00"), "limit is 300s"),
    (_token(created="yesterday"), "not an ISO 8601 time"),
    (UsernameToken("city", "x", True, None, CREATED), "needs a Nonce"),
    (UsernameToken("city", "x", True, "***", CREATED), "not base64"),
    (UsernameToken("city", "guess", False), "unknown user or wrong password"),
])
def test_a_bad_token_is_refused_as_unauthorised(callers: Callers, token: UsernameToken,
                                                message: str) -> None:
    with pytest.raises(SoapFault, match=message) as caught:
        callers.check_token(token)
    assert (caught.value.faultcode, caught.value.code) == ("Client", "adapter.unauthorised")


def test_a_created_time_without_an_offset_is_utc(callers: Callers) -> None:
    assert callers.check_token(_token(created="2027-01-15T08:00:00")) == "city"


@pytest.mark.parametrize(("header", "expected"), [
    (None, None),
    ("Basic " + base64.b64encode(b"city:p:w").decode(), ("city", "p:w")),
])
def test_basic_credentials_are_read(header: str | None,
                                    expected: tuple[str, str] | None) -> None:
    assert basic_credentials(header) == expected


@pytest.mark.parametrize("header", ["Bearer abc", "Basic !!!", "Basic " +
                                    base64.b64encode(b"no-colon").decode()])
def test_unusable_authorisation_headers_are_refused(header: str) -> None:
    with pytest.raises(SoapFault, match="adapter.unauthorised"):
        basic_credentials(header)
