"""The HTTP server carrying the :class:`~adapters.rest.webhook.Webhook`: the standard library's
threaded server, one request per connection, answering in JSON, with HTTPS when given a
certificate (the TLS handshake runs in the request's thread, never in the accepting one).

``server_close`` waits for the requests being answered (so ``stop`` loses no answer), and a
request refused before its body was read (401, 413) has the rest of its body drained briefly
before the connection closes, so the client reads the answer instead of a reset connection.
"""

from __future__ import annotations

import json
import socket
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from adapters.rest.webhook import Answer, Readable, Webhook, declared_length, error
from adapters.sdk import ConfigError

#: How long a refused request's unread body is drained before the connection is closed.
_LINGER_SECONDS = 1.0


class _Handler(BaseHTTPRequestHandler):
    """Adapts one HTTP request to the :class:`Webhook`; one request per connection."""

    server: WebhookServer
    server_version = "supervision-hub-webhook"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.app.config.request_timeout_seconds)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()  # here, not in accept(): a slow client blocks no one

    def do_POST(self) -> None:
        body = _CountingReader(self.rfile)
        self._answer(lambda: self.server.app.post(self.path, self.headers, body))
        declared = declared_length(self.headers.get("Content-Length"))
        if isinstance(declared, int) and body.count < declared:
            self._linger()

    def do_GET(self) -> None:
        self._answer(lambda: self.server.app.get(self.path))

    def do_PUT(self) -> None:
        self._send(error(405, "http.method_not_allowed", "use POST", headers={"Allow": "POST"}))

    do_DELETE = do_PATCH = do_PUT

    def _answer(self, handle: Any) -> None:
        try:
            answer = handle()
        except OSError:
            raise  # the client went away or was too slow: nothing to answer
        except Exception:
            self.server.app.log.exception("the webhook failed on %s %s", self.command, self.path)
            answer = error(500, "http.internal", "the webhook failed; try again later")
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        data = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _linger(self) -> None:
        """Read what the client still sends (briefly) before closing, so that closing with
        unread data does not reset the connection before the client has read the answer."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_LINGER_SECONDS)
            deadline = time.monotonic() + _LINGER_SECONDS
            while time.monotonic() < deadline and self.connection.recv(65536):
                pass
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        self.server.app.log.debug("%s " + format, self.address_string(), *args)


def tls_context(certificate: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context for the PEM files; ConfigError if they cannot be used."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(certificate, key)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError(f"cannot serve HTTPS with {certificate} and {key}: {e}") from e
    return context


class _CountingReader:
    """The request body stream, counting what the webhook read of it."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data


class WebhookServer(ThreadingHTTPServer):
    """A threaded server whose ``server_close`` waits for the requests being answered."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], app: Webhook,
                 tls: ssl.SSLContext | None = None) -> None:
        self.app = app
        super().__init__(address, _Handler)
        self.scheme = "http"
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)
            self.scheme = "https"

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away or was too slow: logged, not printed to stderr."""
        failure = sys.exc_info()[1]
        self.app.log.warning("request from %s ended early: %r", client_address[0], failure)
