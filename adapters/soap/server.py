"""A SOAP endpoint on the hub's HTTP server (the hub's soap-serve and the city simulator).

Served by :class:`~adapters.sdk.http_server.HttpServer` (uvicorn): TLS when given, a deadline
for the whole request (``read_timeout``), a size cap, at most ``max_concurrent`` requests at
once on as many threads (beyond: 503 with a soap:Server fault, try again).

Contract: ``POST <path>`` is first checked from its headers, before its body is read: a
request without a Content-Length gets 411, one larger than ``max_request_bytes`` 413 (both
with a soap:Client fault), and ``admit`` (the endpoint's credential check on the headers, e.g.
HTTP Basic) may refuse it. Then ``handle`` gets the body on a thread of the pool and its answer
is sent; an exception escaping it is logged and answered with a soap:Server fault.
``GET <path>?wsdl`` serves the WSDL with the endpoint address ``wsdl_address`` (configured,
else the server's own URL), never one taken from the request's Host header.
:meth:`SoapHttpServer.stop` stops accepting, releases the port, and waits up to
``drain_seconds`` for requests in progress to be answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from adapters.sdk.http_door import DoorApp, HttpRequest
from adapters.sdk.http_door import HttpAnswer as _Answer
from adapters.sdk.http_options import TlsConfig
from adapters.sdk.http_server import HttpServer, ServerLimits
from adapters.soap.soap11 import CONTENT_TYPE, SoapFault, fault_envelope

__all__ = ["HttpAnswer", "HttpRequest", "SoapHttpServer", "fault_answer"]

log = logging.getLogger(__name__)
_TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class HttpAnswer(_Answer):
    """What to send back (SOAP's content type unless told). ``body`` empty: no content."""

    content_type: str = CONTENT_TYPE


def fault_answer(fault: SoapFault, status: int = 500) -> HttpAnswer:
    """A SOAP fault as an HTTP answer (SOAP 1.1 sends faults with status 500)."""
    return HttpAnswer(status, fault_envelope(fault))


def _fault_format(status: int, code: str, message: str) -> tuple[bytes, str]:
    """The server's own refusals (408, 413, 503) as SOAP faults."""
    fault = SoapFault("Server" if status >= 500 else "Client", code, message)
    return fault_envelope(fault), CONTENT_TYPE


class SoapHttpServer:
    """Serves one SOAP endpoint on ``host:port`` (``port`` 0: a free port, see :attr:`url`)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        path: str,
        handle: Callable[[HttpRequest], HttpAnswer],
        wsdl: Callable[[str], bytes],
        admit: Callable[[HttpRequest], HttpAnswer | None] | None = None,
        wsdl_address: str | None = None,
        max_request_bytes: int = 10 * 1024 * 1024,
        read_timeout: float = 30.0,
        drain_seconds: float = 30.0,
        max_concurrent: int = 32,
        tls: TlsConfig | None = None,
        behind_tls_proxy: bool = False,
        name: str = "soap",
    ) -> None:
        self.path = path
        self.handle, self.wsdl, self.admit_headers = handle, wsdl, admit
        self.wsdl_address = wsdl_address
        self.max_request_bytes = max_request_bytes
        self.name = name
        self._http = HttpServer(
            DoorApp(self, name), host=host, port=port, name=name, tls=tls,
            behind_tls_proxy=behind_tls_proxy, errors=_fault_format,
            limits=ServerLimits(deadline_seconds=read_timeout, max_body_bytes=max_request_bytes,
                                max_concurrent=max_concurrent, drain_seconds=drain_seconds))

    @property
    def running(self) -> bool:
        return self._http.running

    @property
    def bound_port(self) -> int:
        """The port listened on (the one chosen when configured as 0)."""
        return self._http.bound_port

    @property
    def url(self) -> str:
        """The endpoint's URL as seen from this machine."""
        return f"{self._http.url}{self.path}"

    def start(self) -> None:
        """Listen; OSError if the address cannot be bound, ConfigError for unusable TLS files
        or plain HTTP off loopback."""
        self._http.start()

    def stop(self) -> None:
        """Stop accepting, release the port, let requests in progress finish; idempotent."""
        self._http.stop()

    # The door (adapters.sdk.http_door.Door).

    def admit(self, request: HttpRequest) -> HttpAnswer | None:
        if request.method == "GET":
            return self._wsdl(request)
        if request.method != "POST":
            return HttpAnswer(405, b"use POST (or GET ?wsdl)\n", _TEXT, {"Allow": "GET, POST"})
        if request.path != self.path:
            return HttpAnswer(404, b"not found\n", _TEXT)
        length = self._length(request)
        if length is not None:
            return length
        return self.admit_headers(request) if self.admit_headers is not None else None

    def failed(self) -> HttpAnswer:
        return fault_answer(SoapFault("Server", "hub.internal_error",
                                      "the endpoint failed; try again"))

    def _wsdl(self, request: HttpRequest) -> HttpAnswer:
        if request.path != self.path or request.query.lower() != "wsdl":
            return HttpAnswer(404, b"not found\n", _TEXT)
        try:
            return HttpAnswer(200, self.wsdl(self.wsdl_address or self.url))
        except Exception:
            log.exception("%s: cannot serve the WSDL", self.name)
            return HttpAnswer(500, b"the WSDL is unavailable\n", _TEXT)

    def _length(self, request: HttpRequest) -> HttpAnswer | None:
        declared = request.headers.get("content-length")
        if request.headers.get("transfer-encoding") or declared is None:
            return fault_answer(SoapFault("Client", "adapter.malformed",
                                          "send the request with a Content-Length"), 411)
        try:
            length = int(declared)
        except ValueError:
            length = -1
        if length < 0:
            return fault_answer(SoapFault("Client", "adapter.malformed",
                                          "the Content-Length is not a number"), 400)
        if length > self.max_request_bytes:
            return fault_answer(SoapFault(
                "Client", "adapter.malformed",
                f"the request has {length} bytes; the limit is {self.max_request_bytes}"), 413)
        return None
