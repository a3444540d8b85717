"""A small threaded HTTP server for a SOAP endpoint (the hub's soap-serve and the city simulator).

Contract: ``POST <path>`` hands the request to ``handle`` on a thread of its own and sends what
it answers; ``GET <path>?wsdl`` serves the WSDL. A request without a Content-Length gets 411
and one larger than ``max_request_bytes`` gets 413 (both with a soap:Client fault) before its
body is read; an exception escaping ``handle`` is logged and answered with a soap:Server fault.
:meth:`SoapHttpServer.stop` stops accepting, releases the port, and waits up to
``drain_seconds`` for requests in progress to be answered. Beyond ``max_concurrent`` requests
at once, a request is answered 503 with a soap:Server fault (try again) instead of queueing. One request per connection
(HTTP/1.0), so an idle keep-alive connection cannot hold the server open.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from adapters.soap.soap11 import CONTENT_TYPE, SoapFault, fault_envelope

log = logging.getLogger(__name__)
_HOST_HEADER = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


@dataclass(frozen=True)
class HttpRequest:
    """One POSTed request: its body, headers (lower-case names) and the peer's address."""

    body: bytes
    headers: Mapping[str, str]
    peer: str


@dataclass(frozen=True)
class HttpAnswer:
    """What to send back. ``body`` empty means no content."""

    status: int
    body: bytes = b""
    content_type: str = CONTENT_TYPE
    headers: Mapping[str, str] = field(default_factory=dict)


def fault_answer(fault: SoapFault, status: int = 500) -> HttpAnswer:
    """A SOAP fault as an HTTP answer (SOAP 1.1 sends faults with status 500)."""
    return HttpAnswer(status, fault_envelope(fault))


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
        max_request_bytes: int = 10 * 1024 * 1024,
        read_timeout: float = 30.0,
        drain_seconds: float = 30.0,
        max_concurrent: int = 32,
        name: str = "soap",
    ) -> None:
        self.host, self.port, self.path = host, port, path
        self.handle, self.wsdl = handle, wsdl
        self.max_request_bytes = max_request_bytes
        self.read_timeout = read_timeout
        self.drain_seconds = drain_seconds
        self.name = name
        self.slots = threading.BoundedSemaphore(max_concurrent)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._busy = 0
        self._idle = threading.Condition()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def bound_port(self) -> int:
        """The port listened on (the one chosen when configured as 0)."""
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The endpoint's URL as seen from this machine."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.bound_port}{self.path}"

    def start(self) -> None:
        """Bind and serve; OSError if the address cannot be bound."""
        if self._server is not None:
            return
        server = (_Server6 if ":" in self.host else _Server)((self.host, self.port), _Handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"{self.name}:{self.bound_port}", daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, release the port, let requests in progress finish; idempotent."""
        server, self._server = self._server, None
        thread, self._thread = self._thread, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join()
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, timeout=self.drain_seconds):
                log.warning("%s: %d request(s) still running at stop", self.name, self._busy)

    def base_url(self, host_header: str | None) -> str:
        """The endpoint URL a client used (from its Host header when that is a plain host)."""
        if host_header and _HOST_HEADER.match(host_header):
            return f"http://{host_header}{self.path}"
        return self.url

    def enter(self) -> None:
        with self._idle:
            self._busy += 1

    def leave(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: SoapHttpServer


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.owner.read_timeout)

    def do_GET(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        if parts.path != owner.path or parts.query.lower() != "wsdl":
            self._send(HttpAnswer(404, b"not found\n", "text/plain; charset=utf-8"))
            return
        try:
            wsdl = owner.wsdl(owner.base_url(self.headers.get("Host")))
        except Exception:
            log.exception("%s: cannot serve the WSDL", owner.name)
            self._send(HttpAnswer(500, b"the WSDL is unavailable\n", "text/plain; charset=utf-8"))
            return
        self._send(HttpAnswer(200, wsdl))

    def do_POST(self) -> None:
        owner = self.server.owner
        if urlsplit(self.path).path != owner.path:
            self._send(HttpAnswer(404, b"not found\n", "text/plain; charset=utf-8"))
            return
        if not owner.slots.acquire(blocking=False):
            self._send(fault_answer(SoapFault("Server", "hub.unavailable",
                                              "too many requests at once; try again"), 503))
            return
        owner.enter()
        try:
            body = self._body(owner.max_request_bytes)
            if isinstance(body, HttpAnswer):
                self._send(body)
                return
            request = HttpRequest(
                body, {k.lower(): v for k, v in self.headers.items()},
                f"{self.client_address[0]}:{self.client_address[1]}",
            )
            try:
                answer = owner.handle(request)
            except Exception:
                log.exception("%s: request from %s failed", owner.name, request.peer)
                answer = fault_answer(
                    SoapFault("Server", "hub.internal_error", "the endpoint failed; try again")
                )
            self._send(answer)
        except (TimeoutError, ConnectionError) as e:
            log.info("%s: connection from %s lost: %s", owner.name, self.client_address[0], e)
            self.close_connection = True
        finally:
            owner.leave()
            owner.slots.release()

    def _body(self, limit: int) -> bytes | HttpAnswer:
        if self.headers.get("Transfer-Encoding") or self.headers.get("Content-Length") is None:
            return fault_answer(SoapFault("Client", "adapter.malformed",
                                          "send the request with a Content-Length"), 411)
        try:
            length = int(self.headers["Content-Length"])
        except ValueError:
            length = -1
        if length < 0:
            return fault_answer(SoapFault("Client", "adapter.malformed",
                                          "the Content-Length is not a number"), 400)
        if length > limit:
            return fault_answer(SoapFault("Client", "adapter.malformed",
                                          f"the request has {length} bytes; the limit is {limit}"),
                                413)
        body = self.rfile.read(length)
        if len(body) != length:
            raise ConnectionError(f"the request ended after {len(body)} of {length} bytes")
        return body

    def _send(self, answer: HttpAnswer) -> None:
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.body:
            self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if answer.body:
            self.wfile.write(answer.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s: %s %s", self.server.owner.name, self.address_string(), format % args)
