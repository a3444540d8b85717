"""The city supervision platform (市事中事后综合监管系统), simulated over SOAP on loopback.

It speaks our assumed contract (``schemas/wsdl/city-platform.wsdl``) both ways:
- as the city's endpoint it serves ``ReceiveRecord`` (and its WSDL on ``?wsdl``), checks the
  hub's WS-Security token, and keeps one record per idempotency key as the real one would: a
  re-delivery is answered ``duplicate`` and stored once. :meth:`outage` makes it fail
  transiently (a soap:Server fault, or HTTP 503 without a body), :meth:`refusing` makes it
  refuse every record (a soap:Client fault) and :meth:`slow` delays its answers;
- as the city calling down, :meth:`emit` calls the hub's ``soap-serve`` endpoint with zeep,
  loading the WSDL the hub serves, with a PasswordDigest token.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import requests
from pydantic import SecretStr
from zeep import Client, Settings
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from adapters.sdk.http_options import TlsConfig
from adapters.simulators.ports import free_port
from adapters.soap.contract import (
    CITY_SERVICE,
    RECEIVE_RECORD,
    REFUSED,
    qname,
    served_wsdl,
)
from adapters.soap.credentials import SECURITY, Callers, username_token
from adapters.soap.server import HttpAnswer, HttpRequest, SoapHttpServer, fault_answer
from adapters.soap.soap11 import (
    SoapFault,
    check_children,
    child_text,
    read_request,
    response,
)

#: What the city sends down: its own records and what it lands from 市质监 and 市食药监.
CITY_PROVIDES = ["administrative_licence", "administrative_penalty", "inspection_result",
                 "supervision_alert"]
#: What the district shares up (everything but feedback, see routes/rules/city_platform.yaml).
CITY_SUBSCRIBES = ["enterprise_registration", "administrative_licence", "administrative_penalty",
                   "inspection_result", "discipline_measure", "discipline_report",
                   "supervision_alert", "credit_record"]
HUB_USER = "minhang-hub"
HUB_PATH = "/soap/exchange"
_FIELDS = ("messageId", "correlationId", "sourceSystem", "recordType", "schemaVersion",
           "receivedAt", "idempotencyKey", "creditCode", "payload")
Failure = Literal["fault", "http-503"]


class SoapSystemSimulator:
    """A :class:`~adapters.simulators.simulator.Simulator` for a system that exchanges over SOAP with
    the city platform's contract (the city itself, or a department that adopted it). Thread-safe.

    ``port`` is the city's endpoint (0: a free one, see :attr:`url`); ``hub_port`` is where the
    hub's soap-serve for the city is to listen (default: a port free at :meth:`start`), which
    :meth:`connection` writes into the entry and :meth:`emit` calls. Passwords are made up per
    instance and handed over by :meth:`environment` under ``<env_prefix>_HUB_PASSWORD`` (the
    hub's account at the city) and ``<env_prefix>_PASSWORD`` (the city's account at the hub).
    ``emit`` takes a record in the unified layout: the city keeps the same standard.
    """

    def __init__(self, system: str, name: str, *, provides: list[str], subscribes: list[str],
                 host: str = "127.0.0.1", port: int = 0, hub_port: int | None = None,
                 env_prefix: str = "HUB_SIM_CITY_PLATFORM") -> None:
        self.system, self.name = system, name
        self._provides, self._subscribes = provides, subscribes
        self._hub_env, self._city_env = f"{env_prefix}_HUB_PASSWORD", f"{env_prefix}_PASSWORD"
        self._hub_password = secrets.token_urlsafe(18)
        self._city_password = secrets.token_urlsafe(18)
        self._callers = Callers({HUB_USER: SecretStr(self._hub_password)})
        self._hub_port = hub_port
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, Any]] = {}
        self._receipts: dict[str, str] = {}
        self.calls = 0
        self._failure: Failure | None = None
        self._refusing = False
        self._delay = 0.0
        self._client: Client | None = None
        self._hub_tls: TlsConfig | None = None
        self._trusted: Path | None = None
        self._server = SoapHttpServer(
            host=host, port=port, path="/exchange", handle=self._handle,
            wsdl=lambda base: served_wsdl(CITY_SERVICE, base), drain_seconds=5.0,
            name="city-platform-simulator",
        )

    @property
    def url(self) -> str:
        """The city's ReceiveRecord endpoint (the WSDL is at url?wsdl)."""
        return self._server.url

    @property
    def hub_url(self) -> str:
        """Where the hub's soap-serve for the city listens (per :meth:`connection`)."""
        scheme = "https" if self._hub_tls else "http"
        return f"{scheme}://127.0.0.1:{self._hub_port}{HUB_PATH}"

    def serve_hub_over_tls(self, tls: TlsConfig, trusted_ca: Path) -> None:
        """Have the hub's soap-serve for this system serve HTTPS with ``tls`` (written into
        :meth:`connection`); this system's calls then trust only ``trusted_ca``."""
        self._hub_tls, self._trusted, self._client = tls, trusted_ca, None

    def start(self) -> None:
        if self._hub_port is None:
            self._hub_port = free_port()
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def connection(self) -> dict[str, Any]:
        if self._hub_port is None:
            raise RuntimeError("start the simulator first")
        return {
            "name": self.name,
            "mode": "soap",
            "provides": list(self._provides),
            "subscribes": list(self._subscribes),
            "inbound": [{
                "kind": "soap-serve", "host": "127.0.0.1", "port": self._hub_port,
                "path": HUB_PATH, "record_types": list(self._provides),
                "callers": {self.system: f"env:{self._city_env}"},
                **({"tls": self._hub_tls.model_dump(exclude_none=True)} if self._hub_tls else {}),
            }],
            "outbound": {
                "kind": "soap-call", "wsdl": f"{self.url}?wsdl", "timeout_seconds": 5.0,
                "username": HUB_USER, "password": f"env:{self._hub_env}", "password_digest": True,
            },
        }

    def environment(self) -> dict[str, str]:
        return {self._hub_env: self._hub_password, self._city_env: self._city_password}

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(record) for record in self._records.values()]

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        self.submit(json.dumps(record, ensure_ascii=False), record_type)

    def submit(self, body: str | bytes, record_type: str, *,
               content_type: str = "application/json", source_message_id: str | None = None) -> str:
        """Call the hub's SubmitRecord as the city would; the hub's message id. ``bytes`` go as
        bodyBase64, ``str`` as body. zeep's Fault or transport errors propagate."""
        client = self._hub_client()
        content = {"bodyBase64": body} if isinstance(body, bytes) else {"body": body}
        try:
            answer = client.service.SubmitRecord(
                recordType=record_type, contentType=content_type,
                sourceMessageId=source_message_id or f"city-{uuid.uuid4()}", **content,
            )
        except OSError:
            self._client = None  # the hub may come back elsewhere: load its WSDL again
            raise
        return str(answer.messageId)

    @contextmanager
    def outage(self, kind: Failure = "fault") -> Iterator[None]:
        """Inside the block every call fails transiently: a soap:Server fault or HTTP 503."""
        self._failure = kind
        try:
            yield
        finally:
            self._failure = None

    @contextmanager
    def refusing(self) -> Iterator[None]:
        """Inside the block every record is refused with a soap:Client fault."""
        self._refusing = True
        try:
            yield
        finally:
            self._refusing = False

    @contextmanager
    def slow(self, seconds: float) -> Iterator[None]:
        """Inside the block every answer comes ``seconds`` late."""
        self._delay = seconds
        try:
            yield
        finally:
            self._delay = 0.0

    def _hub_client(self) -> Client:
        if self._client is None:
            token = UsernameToken(self.system, self._city_password, use_digest=True)
            session = requests.Session()
            if self._trusted is not None:
                session.verify = str(self._trusted)
            self._client = Client(f"{self.hub_url}?wsdl", wsse=token,
                                  transport=Transport(session=session),
                                  settings=Settings(strict=True, forbid_dtd=True))
        return self._client

    def _handle(self, request: HttpRequest) -> HttpAnswer:
        if self._delay:
            time.sleep(self._delay)
        if self._failure == "http-503":
            return HttpAnswer(503, headers={"Retry-After": "1"})
        try:
            return HttpAnswer(200, self._receive(request))
        except SoapFault as fault:
            return fault_answer(fault)

    def _receive(self, request: HttpRequest) -> bytes:
        soap = read_request(request.body, request.headers.get("content-type"),
                            frozenset({SECURITY}))
        token = username_token(soap.header)
        if token is None:
            raise SoapFault("Client", "adapter.unauthorised", "send a WS-Security UsernameToken")
        self._callers.check_token(token)
        if self._failure == "fault":
            raise SoapFault("Server", "city.unavailable", "the city platform is busy (simulated)")
        if self._refusing:
            raise SoapFault("Client", REFUSED, "the city refuses this record (simulated)")
        operation = soap.operation
        if operation.tag != qname(RECEIVE_RECORD):
            raise SoapFault("Client", "adapter.unsupported", f"no operation {operation.tag}")
        check_children(operation, _FIELDS)
        values = {name: child_text(operation, name, required=name != "creditCode")
                  for name in _FIELDS}
        try:
            payload = json.loads(values["payload"] or "")
        except ValueError as e:
            raise SoapFault("Client", "adapter.malformed", f"payload is not JSON: {e}",
                            path="ReceiveRecord/payload") from e
        key = values["idempotencyKey"] or ""
        with self._lock:
            self.calls += 1
            duplicate = key in self._records
            if not duplicate:
                self._records[key] = {
                    "message_id": values["messageId"], "correlation_id": values["correlationId"],
                    "source": values["sourceSystem"], "record_type": values["recordType"],
                    "schema_version": values["schemaVersion"], "received_at": values["receivedAt"],
                    "content_hash": key, "credit_code": values["creditCode"], "payload": payload,
                }
                self._receipts[key] = f"city-{uuid.uuid4()}"
            receipt = self._receipts[key]
        return response(f"{RECEIVE_RECORD}Response", receiptId=receipt,
                        duplicate="true" if duplicate else "false")


class CityPlatformSimulator(SoapSystemSimulator):
    """The city supervision platform."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, hub_port: int | None = None,
                 env_prefix: str = "HUB_SIM_CITY_PLATFORM") -> None:
        super().__init__(
            "city-platform", "市事中事后综合监管系统", provides=CITY_PROVIDES,
            subscribes=CITY_SUBSCRIBES, host=host, port=port, hub_port=hub_port,
            env_prefix=env_prefix,
        )
