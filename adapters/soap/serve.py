"""``soap-serve``: a SOAP 1.1 endpoint where a system (the city platform) submits records.

The endpoint implements ``SubmitRecord`` of the exchange contract (``schemas/wsdl``) and serves
its WSDL on ``?wsdl``. Per request, in this order:

1. HTTP Basic credentials, when sent, are checked first, from the headers, before the body is
   read; wrong ones: soap:Client fault ``adapter.unauthorised``, nothing read, submitted or
   quarantined.
2. The envelope is read with the hub's hardened parser. Unreadable SOAP or hostile XML (DOCTYPE,
   entities): soap:Client fault ``adapter.malformed`` (the parser's reason in ``cause``); a
   SOAP 1.2 envelope or an unknown mandatory header: VersionMismatch or MustUnderstand. If the
   caller is already known (Basic, or anonymous allowed) the request's bytes are also
   quarantined with ``port.reject``. A WS-Security caller whose envelope cannot be read cannot be
   authenticated, so its request is only answered with the fault (and logged), never kept.
3. A WS-Security UsernameToken, when present, is checked; wrong: ``adapter.unauthorised`` as
   in 1. No credentials at all: the same. PasswordText is accepted only over TLS (``tls``),
   ``behind_tls_proxy`` or on loopback; anywhere else a token must be PasswordDigest with a
   Nonce and a Created time within ``max_clock_skew_seconds`` (each nonce once).
4. A request the contract refuses (unknown operation or record type, missing field, bad
   base64, a text body declared in another charset than UTF-8) is quarantined, original bytes
   and reason, and answered with a soap:Client fault naming the hub id of the quarantined copy.
5. Otherwise the record goes to ``port.submit`` and the answer, with the hub message id, is
   sent only after ``submit`` returned. If the hub cannot take it (TransientError): soap:Server
   fault ``hub.unavailable``, so the caller sends it again later.

A WS-Security caller's credentials are inside the body, so its body is read before it is
known: never more than ``max_request_bytes``, never longer than ``read_timeout_seconds`` for the
whole request, at most ``max_concurrent_requests`` at once (the server's guard). Served on the
hub's HTTP server (:mod:`adapters.soap.server`); plain HTTP off loopback is refused unless
``behind_tls_proxy``. The WSDL's address is ``public_url`` or the server's own URL, never the
request's Host header.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field, model_validator

from adapters.sdk import (
    Health,
    InboundAdapter,
    InboundPort,
    RecordProblem,
    SecretRef,
    TransientError,
    resolve_secret,
)
from adapters.sdk.http_options import ServedConfig, is_loopback
from adapters.soap.contract import (
    CITY_PLATFORM_WSDL,
    DISTRICT_SERVICE,
    SUBMIT_RECORD,
    served_wsdl,
)
from adapters.soap.credentials import (
    SECURITY,
    Callers,
    basic_credentials,
    username_token,
)
from adapters.soap.server import HttpAnswer, HttpRequest, SoapHttpServer, fault_answer
from adapters.soap.soap11 import SoapFault, read_request, response
from adapters.soap.submission import read_submission, readable_ids
from schemas import RECORD_TYPES
from schemas.contract.errors import ConfigError
from schemas.contract.problems import HUB_UNAVAILABLE


class SoapServeConfig(ServedConfig):
    """Listen for SubmitRecord calls (SOAP 1.1, document/literal)."""

    host: str = Field(default="127.0.0.1", description="Address to listen on (0.0.0.0: all).")
    port: int = Field(default=8085, ge=0, le=65535, description="TCP port (0: any free port).")
    path: str = Field(default="/soap/exchange", pattern=r"^/[^?#]*$",
                      description="URL path of the endpoint; the WSDL is at path?wsdl.")
    public_url: str | None = Field(
        default=None, pattern=r"^https?://[^\s]+$", description="Endpoint URL written into the "
        "served WSDL (as callers reach it, e.g. through a proxy); unset: this server's own "
        "URL. Never taken from the request's Host header.")
    wsdl: str | None = Field(default=None, description="WSDL file to serve; unset: the packaged "
                             "city-platform contract (schemas/wsdl/city-platform.wsdl).")
    service: str = Field(default=DISTRICT_SERVICE,
                         description="The WSDL service this endpoint implements (kept on ?wsdl).")
    record_types: list[str] = Field(
        default_factory=lambda: [t for t in RECORD_TYPES if t != "feedback"],
        description="Record types callers may submit; others are refused (adapter.unsupported).")
    callers: dict[str, SecretRef] = Field(
        default_factory=dict, description="Who may call: user name -> password reference "
        "(env:NAME or file:/path), for a WS-Security UsernameToken or HTTP Basic.")
    allow_anonymous: bool = Field(
        default=False, description="Accept calls without credentials (test set-ups only).")
    max_request_bytes: int = Field(default=10 * 1024 * 1024, gt=0,
                                   description="Larger requests are refused with HTTP 413.")
    read_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long a caller may take to send its whole request "
        "(headers and body); then 408 and the connection is closed.")
    max_concurrent_requests: int = Field(
        default=32, gt=0, description="Requests handled at once; more are answered HTTP 503 "
        "with a soap:Server fault (the caller tries again).")
    max_clock_skew_seconds: float = Field(
        default=300.0, gt=0, description="How far a PasswordDigest token's Created time may be "
        "from the hub's clock.")

    @model_validator(mode="after")
    def _checked(self) -> SoapServeConfig:
        if not self.callers and not self.allow_anonymous:
            raise ValueError("name the callers (user -> password reference), or set "
                             "allow_anonymous: true")
        unknown = sorted(set(self.record_types) - set(RECORD_TYPES))
        if unknown:
            raise ValueError(f"unknown record type(s): {', '.join(unknown)}")
        return self


class SoapServeAdapter(InboundAdapter[SoapServeConfig]):
    """Serves SubmitRecord; see the module docstring for what each request gets."""

    kind: ClassVar[str] = "soap-serve"
    mode = "soap"
    Config = SoapServeConfig
    summary: ClassVar[str] = "Serve a SOAP endpoint (SubmitRecord) where a system submits records."

    def __init__(self, config: SoapServeConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self._server: SoapHttpServer | None = None
        self._callers = Callers({})
        self._health = Health(False, "not started")

    @property
    def url(self) -> str:
        """The endpoint's URL (after :meth:`start`)."""
        if self._server is None:
            raise RuntimeError("soap-serve is not started")
        return self._server.url

    def start(self) -> None:
        """Resolve the callers' passwords, check the WSDL, listen. ConfigError if a password
        or the WSDL is missing; TransientError if the port cannot be bound (yet)."""
        if self._server is not None:
            return
        config = self.config
        # PasswordText crosses the wire readable and replayable: only over TLS, or where it
        # crosses no network (loopback) or is carried over TLS by a proxy.
        private = config.tls is not None or config.behind_tls_proxy or is_loopback(config.host)
        self._callers = Callers({user: resolve_secret(ref) for user, ref in config.callers.items()},
                                max_skew_seconds=config.max_clock_skew_seconds,
                                password_text=private)
        self._wsdl_bytes("http://localhost/")  # fail now, not on the first ?wsdl
        server = SoapHttpServer(
            host=config.host, port=config.port, path=config.path, handle=self._handle,
            admit=self._admit, wsdl=self._wsdl_bytes, wsdl_address=config.public_url,
            max_request_bytes=config.max_request_bytes,
            read_timeout=config.read_timeout_seconds, tls=config.tls,
            behind_tls_proxy=config.behind_tls_proxy,
            max_concurrent=config.max_concurrent_requests, name=f"soap-serve:{self.system}",
        )
        try:
            server.start()
        except OSError as e:
            self._health = Health(False, f"cannot listen on {config.host}:{config.port}: {e}")
            raise TransientError(self._health.detail) from e
        self._server = server
        self._health = Health(True, f"listening on {server.url}")
        self.log.info("serving %s on %s", SUBMIT_RECORD, server.url)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            self._health = Health(False, "stopped")

    def health(self) -> Health:
        if self._server is not None and not self._server.running:
            return Health(False, "the server thread has stopped")
        return self._health

    def _wsdl_bytes(self, address: str) -> bytes:
        source = CITY_PLATFORM_WSDL if self.config.wsdl is None else Path(self.config.wsdl)
        try:
            return served_wsdl(self.config.service, address, source)
        except (OSError, ValueError) as e:
            raise ConfigError(f"soap-serve: cannot serve WSDL {source}: {e}") from e

    def _admit(self, request: HttpRequest) -> HttpAnswer | None:
        """Wrong HTTP Basic credentials are refused before the body is read."""
        try:
            basic = basic_credentials(request.headers.get("authorization"))
            if basic is not None:
                self._callers.check_basic(*basic)
        except SoapFault as fault:
            self.log.info("refused a request from %s: %s", request.peer, fault)
            return fault_answer(fault)
        return None

    def _handle(self, request: HttpRequest) -> HttpAnswer:
        try:
            return HttpAnswer(200, self._submit(request))
        except SoapFault as fault:
            self.log.info("refused a request from %s: %s", request.peer, fault)
            return fault_answer(fault)

    def _submit(self, request: HttpRequest) -> bytes:
        basic = basic_credentials(request.headers.get("authorization"))
        caller = self._callers.check_basic(*basic) if basic else None
        if caller is None and self.config.allow_anonymous:
            caller = "anonymous"
        try:
            soap = read_request(request.body, request.headers.get("content-type"),
                                frozenset({SECURITY}))
        except SoapFault as fault:
            if caller is not None:
                self._quarantine(request, fault)
            raise
        token = username_token(soap.header)
        if token is not None:
            caller = self._callers.check_token(token)
        elif caller is None:
            raise SoapFault("Client", "adapter.unauthorised", "no credentials: send a "
                            "WS-Security UsernameToken or HTTP Basic")
        try:
            record = read_submission(soap.operation, self.config.record_types, caller)
        except SoapFault as fault:
            record_type, source_id = readable_ids(soap.operation)
            self._quarantine(request, fault, record_type=record_type, source_message_id=source_id)
            raise
        try:
            (message_id,) = self.port.submit([record])
        except TransientError as e:
            raise SoapFault("Server", HUB_UNAVAILABLE,
                            "the hub cannot take records now; send it again later") from e
        return response(f"{SUBMIT_RECORD}Response", messageId=message_id,
                        sourceMessageId=record.source_message_id or "")

    def _quarantine(self, request: HttpRequest, fault: SoapFault, *,
                    record_type: str | None = None, source_message_id: str | None = None) -> None:
        message = f"{fault.cause}: {fault.message}" if fault.cause else fault.message
        problem = RecordProblem(fault.code, message, fault.path or "")
        try:
            fault.message_id = self.port.reject(
                request.body, problem, record_type=record_type,
                content_type=request.headers.get("content-type") or "text/xml",
                source_message_id=source_message_id,
            )
        except TransientError as e:
            raise SoapFault("Server", HUB_UNAVAILABLE,
                            "the hub cannot take records now; send it again later") from e

