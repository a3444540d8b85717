"""The HTTP plumbing of the REST simulators: a small JSON server on 127.0.0.1.

The server can be switched into an outage (every answer 503, or another status) or made slow,
so tests drive the adapters' failure paths over real HTTP.
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


Route = Callable[[Request], Reply]


def bearer_ok(request: Request, token: str) -> bool:
    given = request.headers.get("Authorization") or ""
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def unauthorised() -> Reply:
    return Reply(401, {"error": {"code": "unauthorised", "message": "bad or missing token"}},
                 {"WWW-Authenticate": "Bearer"})


def page_window(request: Request) -> tuple[int, int] | Reply:
    """A feed request's ``since`` (items already taken) and ``limit``, or the 400 to answer."""
    try:
        since = int(request.query.get("since", "0"))
        limit = int(request.query.get("limit", "100"))
    except ValueError:
        since = limit = -1
    if since < 0 or limit < 1:
        return Reply(400, {"error": {"code": "bad_parameter", "message": "since, limit"}})
    return since, limit


class JsonServer:
    """A threaded HTTP server on 127.0.0.1 answering from ``routes``: (method, path) -> route.

    A path ending in ``/`` matches every path under it. ``outage()`` and ``slow()`` change
    every answer while their block runs.
    """

    def __init__(self, routes: dict[tuple[str, str], Route]) -> None:
        self.routes = routes
        self.failure_status: int | None = None
        self.delay = 0.0
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    @contextmanager
    def outage(self, status: int = 503) -> Iterator[None]:
        """Every request is answered ``status`` inside the block."""
        self.failure_status = status
        try:
            yield
        finally:
            self.failure_status = None

    @contextmanager
    def slow(self, seconds: float) -> Iterator[None]:
        """Every answer waits ``seconds`` inside the block (to make clients time out)."""
        self.delay = seconds
        try:
            yield
        finally:
            self.delay = 0.0

    def answer(self, request: Request) -> Reply:
        self.requests += 1
        if self.delay:
            time.sleep(self.delay)
        if self.failure_status is not None:
            return Reply(self.failure_status, {"error": {"code": "simulated_outage"}},
                         {"Retry-After": "1"})
        route = self.routes.get((request.method, request.path))
        if route is None:
            route = next((r for (m, p), r in self.routes.items()
                          if m == request.method and p.endswith("/")
                          and request.path.startswith(p)), None)
        if route is None:
            return Reply(404, {"error": {"code": "not_found", "message": request.path}})
        return route(request)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (a timeout test) is not the simulator's problem


def _handler_for(server: JsonServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, dict(parse_qsl(parts.query)),
                              self.headers, self.rfile.read(length) if length else b"")
            reply = server.answer(request)
            # bytes go out as they are: a system answering JSON the hub must refuse
            data = (reply.body if isinstance(reply.body, bytes)
                    else json.dumps(reply.body, ensure_ascii=False).encode("utf-8"))
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a simulator stays quiet

    return Handler
