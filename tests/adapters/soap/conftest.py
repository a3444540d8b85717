"""Fixtures for the soap adapters: the city simulator, a running soap-serve, unified envelopes."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from zeep import Client, Settings
from zeep.wsse.username import UsernameToken

from adapters.sdk import InboundPort
from adapters.simulators.city_platform import CityPlatformSimulator
from adapters.soap.call import SoapCallAdapter, SoapCallConfig
from adapters.soap.serve import SoapServeAdapter, SoapServeConfig
from adapters.testing import RecordingPort
from schemas.contract.envelope import Envelope, content_hash, utc_now

LICENCE: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "hub" / "records" / "licence.json").read_text(encoding="utf-8")
)
CALLER, PASSWORD = "city-platform", "s3cret-for-tests"


def licence(number: str = "JY23101120012345") -> dict[str, Any]:
    """The example licence with its own licence number (a distinct record per number)."""
    record = copy.deepcopy(LICENCE)
    record["licence_number"] = number
    return record


def envelope_for(payload: dict[str, Any] | None = None, *, source: str = "market",
                 record_type: str = "administrative_licence") -> Envelope:
    """A unified envelope as the hub would deliver it."""
    payload = payload if payload is not None else licence()
    message_id = str(uuid.uuid4())
    return Envelope(
        message_id=message_id, correlation_id=message_id, source=source,
        record_type=record_type, schema_version="1.0", received_at=utc_now(),
        content_hash=content_hash(source, record_type, payload),
        credit_code=payload.get("party", {}).get("credit_code"), payload=payload,
    )


@pytest.fixture
def city(monkeypatch: pytest.MonkeyPatch) -> Iterator[CityPlatformSimulator]:
    """The city simulator, started, its credentials in the environment."""
    simulator = CityPlatformSimulator(env_prefix=f"SOAP_TEST_{uuid.uuid4().hex[:8].upper()}")
    simulator.start()
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    yield simulator
    simulator.stop()


def call_adapter(city: CityPlatformSimulator, **overrides: Any) -> SoapCallAdapter:
    """A soap-call adapter configured from the simulator's connections entry."""
    config = {**city.connection()["outbound"], **overrides}
    return SoapCallAdapter(SoapCallConfig.model_validate(config), system="city-platform")


@pytest.fixture
def caller_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """An environment variable holding the test caller's password."""
    name = f"SOAP_TEST_CALLER_{uuid.uuid4().hex[:8].upper()}"
    monkeypatch.setenv(name, PASSWORD)
    return name


@dataclass
class Served:
    """A started soap-serve adapter with the port it submits to."""

    adapter: SoapServeAdapter
    port: RecordingPort

    @property
    def url(self) -> str:
        return self.adapter.url

    def client(self, username: str = CALLER, password: str = PASSWORD, *,
               digest: bool = False, timeout: float = 5.0) -> Client:
        """A zeep client of the endpoint, loading the WSDL it serves, as the city would."""
        from zeep.transports import Transport

        return Client(f"{self.url}?wsdl", wsse=UsernameToken(username, password, use_digest=digest),
                      transport=Transport(timeout=timeout, operation_timeout=timeout),
                      settings=Settings(strict=True, forbid_dtd=True))


def serve_adapter(config: SoapServeConfig, port: RecordingPort) -> SoapServeAdapter:
    """A soap-serve adapter for ``city-platform`` that submits to ``port``."""
    # The cast: RecordingPort.checkpoints is declared MemoryCheckpoints, which mypy does not
    # accept for the protocol's mutable Checkpoints attribute (an SDK typing gap).
    return SoapServeAdapter(config, system="city-platform", port=cast(InboundPort, port))


def serve_config(caller_env: str, **overrides: Any) -> SoapServeConfig:
    return SoapServeConfig.model_validate({
        "kind": "soap-serve", "host": "127.0.0.1", "port": 0,
        "callers": {CALLER: f"env:{caller_env}"}, "read_timeout_seconds": 2.0, **overrides,
    })


@pytest.fixture
def served(caller_env: str) -> Iterator[Served]:
    port = RecordingPort("city-platform")
    adapter = serve_adapter(serve_config(caller_env), port)
    adapter.start()
    yield Served(adapter, port)
    adapter.stop()


# Raw SOAP, for requests a well-behaved client such as zeep would never send.

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
EX_NS = "urn:supervision-hub:exchange:1"


def text_token(username: str = CALLER, password: str = PASSWORD) -> str:
    return (f'<wsse:Security xmlns:wsse="{WSSE_NS}"><wsse:UsernameToken>'
            f"<wsse:Username>{username}</wsse:Username>"
            f"<wsse:Password>{password}</wsse:Password></wsse:UsernameToken></wsse:Security>")


def digest_token(nonce: bytes, created: str, username: str = CALLER,
                 password: str = PASSWORD) -> str:
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest())
    kind = ("http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
            "#PasswordDigest")
    return (f'<wsse:Security xmlns:wsse="{WSSE_NS}" xmlns:wsu="{WSU_NS}"><wsse:UsernameToken>'
            f"<wsse:Username>{username}</wsse:Username>"
            f'<wsse:Password Type="{kind}">{digest.decode()}</wsse:Password>'
            f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
            f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>")


def submit_record(record_type: str = "administrative_licence", source_id: str = "city-1",
                  content_type: str = "application/json", body: str = '{"a": 1}',
                  extra: str = "") -> str:
    """A SubmitRecord element; ``body`` is inserted as it is (escape it yourself)."""
    return (f'<ex:SubmitRecord xmlns:ex="{EX_NS}"><ex:recordType>{record_type}</ex:recordType>'
            f"<ex:sourceMessageId>{source_id}</ex:sourceMessageId>"
            f"<ex:contentType>{content_type}</ex:contentType>{body and f'<ex:body>{body}</ex:body>'}"
            f"{extra}</ex:SubmitRecord>")


def soap_request(operation: str, header: str | None = None) -> bytes:
    """A SOAP 1.1 envelope around ``operation``, with a PasswordText token unless ``header``."""
    header = text_token() if header is None else header
    return (f'<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP_NS}">'
            f"<soap:Header>{header}</soap:Header><soap:Body>{operation}</soap:Body>"
            "</soap:Envelope>").encode()


def fault_of(body: bytes) -> dict[str, str | None]:
    """faultcode and the ExchangeFault fields of a fault answer."""
    from lxml import etree

    root = etree.fromstring(body)
    fault = root.find(f"{{{SOAP_NS}}}Body/{{{SOAP_NS}}}Fault")
    assert fault is not None, body
    detail = fault.find(f"detail/{{{EX_NS}}}ExchangeFault")
    fields: dict[str, str | None] = {"faultcode": fault.findtext("faultcode")}
    for name in ("code", "message", "cause", "path", "messageId"):
        fields[name] = detail.findtext(f"{{{EX_NS}}}{name}") if detail is not None else None
    return fields
