"""``soap-call``: deliver each envelope by calling a SOAP operation (zeep, from a WSDL).

Contract: the operation (default ``ReceiveRecord`` of the assumed city contract) gets the
envelope's provenance and the unified payload as JSON text, with the content hash as
``idempotencyKey`` (see :func:`adapters.soap.contract.receive_record_arguments`). What each
failure means is in :mod:`adapters.soap.outcomes`. The WSDL is loaded in :meth:`start`, or on
the first delivery if the core did not call it; nothing happens in ``__init__``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests
from pydantic import Field, field_validator, model_validator
from zeep import Client, Settings
from zeep.exceptions import Error as ZeepError
from zeep.exceptions import TransportError
from zeep.transports import Transport
from zeep.wsse.username import UsernameToken

from adapters.sdk import (
    ConfigError,
    Health,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
    SecretRef,
    TransientError,
    resolve_secret,
)
from adapters.soap.contract import (
    CITY_PLATFORM_WSDL,
    RECEIVE_RECORD,
    receive_record_arguments,
)
from adapters.soap.outcomes import TRANSIENT_STATUS, classify
from schemas.contract.envelope import Envelope


def _http_url(value: str | None) -> str | None:
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class SoapCallConfig(OutboundConfig):
    """Call a SOAP operation once per record."""

    wsdl: str | None = Field(default=None, description="The WSDL: a file path or an http(s) URL; "
                             "unset: the packaged city-platform contract.")
    address: str | None = Field(default=None, description="Endpoint URL to call, overriding the "
                                "WSDL's soap:address.")
    service: str | None = Field(default=None, description="WSDL service to use; unset: the first.")
    port: str | None = Field(default=None, description="Port of that service; unset: the first.")
    operation: str = Field(default=RECEIVE_RECORD, description="The operation called per record.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Timeout of each call.")
    wsdl_timeout_seconds: float = Field(default=30.0, gt=0,
                                        description="Timeout for loading the WSDL and its XSDs.")
    username: str | None = Field(default=None,
                                 description="WS-Security UsernameToken user; unset: no token.")
    password: SecretRef | None = Field(
        default=None, description="The token's password, by reference (env:NAME or file:/path).")
    password_digest: bool = Field(default=False, description="Send the password as a "
                                  "PasswordDigest (with nonce and time) instead of PasswordText.")
    ca_bundle: str | None = Field(default=None, description="CA certificates file for https; "
                                  "unset: the system's.")

    @field_validator("address")
    @classmethod
    def _address_is_http(cls, value: str | None) -> str | None:
        return _http_url(value)

    @model_validator(mode="after")
    def _credentials_paired(self) -> SoapCallConfig:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class _Transport(Transport):
    """zeep's transport, remembering each thread's last HTTP status (a fault does not say)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last = threading.local()

    def post(self, address: str, message: Any, headers: Any) -> requests.Response:
        self.last.status = None
        response: requests.Response = super().post(address, message, headers)
        self.last.status = response.status_code
        return response


class SoapCallAdapter(OutboundAdapter[SoapCallConfig]):
    """One SOAP call per envelope; the content hash travels as the idempotency key."""

    kind: ClassVar[str] = "soap-call"
    mode = "soap"
    Config = SoapCallConfig
    summary: ClassVar[str] = "Call a SOAP operation (zeep, from a WSDL) for each record."

    def __init__(self, config: SoapCallConfig, *, system: str) -> None:
        super().__init__(config, system=system)
        self._lock = threading.Lock()
        self._call: Callable[..., Any] | None = None
        self._transport: _Transport | None = None
        self._health = Health(True, "not called yet; the WSDL loads on first use")

    @property
    def _where(self) -> str:
        return f"{self.system} {self.config.operation}"

    def start(self) -> None:
        """Load the WSDL now. ConfigError if it is wrong; TransientError if it cannot be
        fetched yet."""
        self._bound()

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        try:
            call, transport = self._bound()
        except ConfigError as e:
            raise PermanentError(f"{self._where}: misconfigured: {e}") from e
        try:
            answer = call(**receive_record_arguments(envelope))
        except Exception as e:
            error = classify(e, getattr(transport.last, "status", None), self._where)
            if error is None:
                raise
            if isinstance(error, TransientError):
                self._health = Health(False, str(error)[:300])
            raise error from e
        receipt = getattr(answer, "receiptId", None)
        self._health = Health(True, f"last call accepted (receipt {receipt})")
        self.log.debug("%s delivered as receipt %s", envelope.message_id, receipt)

    def health(self) -> Health:
        """The outcome of the last WSDL load or call."""
        return self._health

    def stop(self) -> None:
        with self._lock:
            transport, self._transport, self._call = self._transport, None, None
        if transport is not None:
            transport.session.close()

    def _bound(self) -> tuple[Callable[..., Any], _Transport]:
        with self._lock:
            if self._call is None or self._transport is None:
                self._call, self._transport = self._load()
            return self._call, self._transport

    def _load(self) -> tuple[Callable[..., Any], _Transport]:
        config = self.config
        wsdl = config.wsdl or str(CITY_PLATFORM_WSDL)
        session = requests.Session()
        if config.ca_bundle:
            session.verify = config.ca_bundle
        transport = _Transport(session=session, timeout=config.wsdl_timeout_seconds,
                               operation_timeout=config.timeout_seconds)
        wsse = None
        if config.username is not None and config.password is not None:
            password = resolve_secret(config.password).get_secret_value()
            wsse = UsernameToken(config.username, password, use_digest=config.password_digest)
        try:
            # Strict: zeep's lenient mode parses with libxml2's recover, which turns garbage
            # into half-documents. A DOCTYPE in anything the city sends is refused.
            client = Client(wsdl, transport=transport, wsse=wsse,
                            settings=Settings(strict=True, forbid_dtd=True))
            call = self._operation(client)
        except (requests.Timeout, requests.ConnectionError) as e:
            self._health = Health(False, f"WSDL {wsdl} unreachable: {type(e).__name__}")
            raise TransientError(f"{self._where}: WSDL {wsdl}: {e}") from e
        except TransportError as e:
            self._health = Health(False, f"WSDL {wsdl}: HTTP {e.status_code}")
            if e.status_code in TRANSIENT_STATUS:
                raise TransientError(f"{self._where}: WSDL {wsdl}: HTTP {e.status_code}") from e
            raise ConfigError(f"{self._where}: WSDL {wsdl}: HTTP {e.status_code}") from e
        except (OSError, ZeepError, ValueError) as e:
            self._health = Health(False, f"WSDL {wsdl} unusable")
            raise ConfigError(f"{self._where}: WSDL {wsdl}: {type(e).__name__}: {e}") from e
        self._health = Health(True, f"WSDL loaded; calling {self._where}")
        return call, transport

    def _operation(self, client: Client) -> Callable[..., Any]:
        config = self.config
        services = client.wsdl.services
        service = services.get(config.service) if config.service else next(
            iter(services.values()), None)
        if service is None:
            raise ValueError(f"no service {config.service or ''!r} (has {', '.join(services)})")
        port = service.ports.get(config.port) if config.port else next(
            iter(service.ports.values()), None)
        if port is None:
            raise ValueError(f"service {service.name} has no port {config.port or ''!r}")
        address = config.address or port.binding_options.get("address")
        proxy = client.create_service(port.binding.name, address)
        operations = port.binding.all()
        if config.operation not in operations:
            raise ValueError(f"{service.name}/{port.name} has no operation {config.operation!r} "
                             f"(has {', '.join(operations)})")
        call: Callable[..., Any] = proxy[config.operation]
        return call
