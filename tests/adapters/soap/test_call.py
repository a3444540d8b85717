"""soap-call against the city simulator over real SOAP on loopback: what arrives, and what each
kind of failure means for the delivery runner (retry or dead-letter)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from adapters.sdk import ConfigError, PermanentError, TransientError
from adapters.simulators.city_platform import CityPlatformSimulator, Failure
from adapters.simulators.ports import free_port
from adapters.soap.server import HttpAnswer, HttpRequest, SoapHttpServer
from tests.adapters.soap.conftest import call_adapter, envelope_for, licence

HOSTILE_ANSWER = (b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                  b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
                  b"<soap:Body>&x;</soap:Body></soap:Envelope>")


def test_a_delivered_envelope_reaches_the_city_with_its_provenance_and_payload(
    city: CityPlatformSimulator,
) -> None:
    adapter = call_adapter(city)
    envelope = envelope_for()
    adapter.deliver(envelope, envelope.to_bytes())
    (stored,) = city.received()
    assert stored["payload"] == envelope.payload
    assert stored["content_hash"] == envelope.content_hash
    assert (stored["message_id"], stored["source"], stored["record_type"]) == (
        envelope.message_id, "market", "administrative_licence")
    assert stored["credit_code"] == "91310112087994932F"
    assert adapter.health().ok and "receipt city-" in adapter.health().detail
    adapter.stop()


def test_delivering_the_same_envelope_twice_leaves_one_record_at_the_city(
    city: CityPlatformSimulator,
) -> None:
    adapter = call_adapter(city)
    envelope, other = envelope_for(), envelope_for(licence("JY23101120099999"))
    adapter.deliver(envelope, envelope.to_bytes())
    adapter.deliver(envelope, envelope.to_bytes())  # the answer was lost; the runner retries
    adapter.deliver(other, other.to_bytes())
    assert city.calls == 3
    assert [r["content_hash"] for r in city.received()] == [envelope.content_hash,
                                                           other.content_hash]


@pytest.mark.parametrize("kind", ["fault", "http-503"])
def test_a_city_that_is_down_is_a_transient_failure_and_health_says_so(
    city: CityPlatformSimulator, kind: Failure,
) -> None:
    adapter = call_adapter(city)
    envelope = envelope_for()
    with city.outage(kind), pytest.raises(TransientError, match="Server|503"):
        adapter.deliver(envelope, envelope.to_bytes())
    assert not adapter.health().ok
    adapter.deliver(envelope, envelope.to_bytes())
    assert adapter.health().ok and len(city.received()) == 1


def test_a_client_fault_is_permanent_with_the_citys_reason(city: CityPlatformSimulator) -> None:
    adapter = call_adapter(city)
    envelope = envelope_for()
    with city.refusing(), pytest.raises(PermanentError, match=r"Client \[city.refused\]"):
        adapter.deliver(envelope, envelope.to_bytes())
    assert city.received() == []


@pytest.mark.parametrize("digest", [True, False])
def test_a_wrong_password_is_refused_by_the_city_and_nothing_is_stored(
    city: CityPlatformSimulator, monkeypatch: pytest.MonkeyPatch, digest: bool,
) -> None:
    for name in city.environment():
        if name.endswith("_HUB_PASSWORD"):
            monkeypatch.setenv(name, "not-the-password")
    adapter = call_adapter(city, password_digest=digest)
    envelope = envelope_for()
    with pytest.raises(PermanentError, match="adapter.unauthorised"):
        adapter.deliver(envelope, envelope.to_bytes())
    assert city.received() == []


def test_a_password_sent_as_text_is_accepted(city: CityPlatformSimulator) -> None:
    adapter = call_adapter(city, password_digest=False)
    envelope = envelope_for()
    adapter.deliver(envelope, envelope.to_bytes())
    assert len(city.received()) == 1


def test_a_call_slower_than_the_timeout_is_transient(city: CityPlatformSimulator) -> None:
    adapter = call_adapter(city, timeout_seconds=0.3)
    adapter.start()  # the WSDL is loaded before the city slows down
    envelope = envelope_for()
    started = time.monotonic()
    with city.slow(1.0), pytest.raises(TransientError, match="Timeout"):
        adapter.deliver(envelope, envelope.to_bytes())
    assert time.monotonic() - started < 0.9


def test_a_refused_connection_is_transient(city: CityPlatformSimulator) -> None:
    adapter = call_adapter(city, wsdl=None, address=f"http://127.0.0.1:{free_port()}/exchange",
                           service="CityExchangeService")
    envelope = envelope_for()
    with pytest.raises(TransientError, match="ConnectionError"):
        adapter.deliver(envelope, envelope.to_bytes())
    assert not adapter.health().ok


def test_the_packaged_wsdl_with_an_address_reaches_the_city(city: CityPlatformSimulator) -> None:
    adapter = call_adapter(city, wsdl=None, address=city.url, service="CityExchangeService")
    envelope = envelope_for()
    adapter.deliver(envelope, envelope.to_bytes())
    assert [r["message_id"] for r in city.received()] == [envelope.message_id]


def test_nothing_is_fetched_until_start_and_an_unreachable_wsdl_is_transient(
    city: CityPlatformSimulator,
) -> None:
    adapter = call_adapter(city, wsdl=f"http://127.0.0.1:{free_port()}/exchange?wsdl")
    assert adapter.health().ok  # constructing did no I/O, so nothing failed yet
    with pytest.raises(TransientError, match="WSDL"):
        adapter.start()
    assert not adapter.health().ok


def test_an_unknown_operation_stops_start_up_and_dead_letters_deliveries(
    city: CityPlatformSimulator,
) -> None:
    adapter = call_adapter(city, operation="SendRecord")
    with pytest.raises(ConfigError, match="no operation 'SendRecord'.*ReceiveRecord"):
        adapter.start()
    envelope = envelope_for()
    with pytest.raises(PermanentError, match="misconfigured"):
        adapter.deliver(envelope, envelope.to_bytes())


def test_a_missing_wsdl_file_is_a_configuration_error(city: CityPlatformSimulator) -> None:
    adapter = call_adapter(city, wsdl="/nonexistent/city.wsdl")
    with pytest.raises(ConfigError, match="/nonexistent/city.wsdl"):
        adapter.start()


@dataclass
class Answering:
    """An HTTP endpoint that answers every POST with ``reply``."""

    reply: HttpAnswer = field(default_factory=lambda: HttpAnswer(204))

    def handle(self, request: HttpRequest) -> HttpAnswer:
        return self.reply


@pytest.fixture
def answering() -> Iterator[tuple[Answering, str]]:
    answers = Answering()
    server = SoapHttpServer(host="127.0.0.1", port=0, path="/exchange", handle=answers.handle,
                            wsdl=lambda base: b"")
    server.start()
    yield answers, server.url
    server.stop()


@pytest.mark.parametrize(("status", "body", "error"), [
    (500, b"<html>Internal Server Error</html>", TransientError),
    (502, b"", TransientError),
    (200, b"not xml at all", TransientError),
    (200, HOSTILE_ANSWER, TransientError),
    (404, b"<html>Not Found</html>", PermanentError),
    (403, b"", PermanentError),
])
def test_answers_that_are_not_soap_are_classified_by_http_status(
    city: CityPlatformSimulator, answering: tuple[Answering, str], status: int, body: bytes,
    error: type[Exception],
) -> None:
    answers, url = answering
    answers.reply = HttpAnswer(status, body, "text/html")
    adapter = call_adapter(city, address=url)
    envelope = envelope_for()
    with pytest.raises(error):
        adapter.deliver(envelope, envelope.to_bytes())


def test_stop_is_idempotent_and_a_stopped_adapter_reloads_on_the_next_delivery(
    city: CityPlatformSimulator,
) -> None:
    adapter = call_adapter(city)
    adapter.stop()
    adapter.start()
    adapter.stop()
    adapter.stop()
    envelope = envelope_for()
    adapter.deliver(envelope, envelope.to_bytes())
    assert len(city.received()) == 1
