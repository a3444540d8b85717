"""A door: an HTTP endpoint whose requests are checked from their headers, then handled
synchronously (the adapters' doors call the hub's port, which blocks).

Contract of :class:`DoorApp` (the ASGI application serving a :class:`Door`):
1. ``door.admit(request)`` sees the method, path, query and headers, on the event loop, before
   any of the body is read: it answers at once (401 for missing credentials, 404, 411, 413...)
   or returns None to go on. It must be quick and must not block.
2. The body is read (the server's guard bounds its size and the time it may take; a client
   that is too slow or sends too much has already been answered and nothing is handled).
3. ``door.handle(request)`` runs with the body on a thread of its own, which ends with the
   request: never more than ``max_threads`` at once (a request beyond is answered 503 with
   ``Retry-After`` at once), and no idle thread outlives its request. Requests still
   receiving their bodies hold no thread and no slot, so slow senders cannot crowd out
   others (the guard's deadline ends them).
An exception escaping ``admit`` or ``handle`` is logged and answered by ``door.failed()``.
A request refused before its body was read keeps its connection open while the rest of the
body is discarded (within the server's deadline), so the client reads the answer instead of a
reset connection.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Protocol

from adapters.sdk.http_guard import (
    ErrorFormat,
    Message,
    Receive,
    Scope,
    Send,
    json_error,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HttpRequest:
    """One request: method, path, query, headers (lower-case names), the peer, the body."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    peer: str
    body: bytes = b""


@dataclass(frozen=True)
class HttpAnswer:
    """What to send back. ``body`` empty means no content."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


class Door(Protocol):
    """What a door implements (see the module docstring)."""

    def admit(self, request: HttpRequest) -> HttpAnswer | None: ...

    def handle(self, request: HttpRequest) -> HttpAnswer: ...

    def failed(self) -> HttpAnswer: ...


class DoorApp:
    """The ASGI application of a :class:`Door`."""

    def __init__(self, door: Door, name: str = "door") -> None:
        self.door = door
        self.name = name
        self.max_threads = 32
        self.errors: ErrorFormat = json_error
        self._busy = 0  # only touched on the event loop's thread

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        client = scope.get("client") or ("", 0)
        request = HttpRequest(
            scope["method"], scope["path"], scope["query_string"].decode("latin-1"),
            {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
            f"{client[0]}:{client[1]}",
        )
        try:
            answer = self.door.admit(request)
        except Exception:
            log.exception("%s %s: the door failed", request.method, request.path)
            answer = self.door.failed()
        if answer is None:
            body = await _read_body(receive)
            if body is None:
                return  # the client went away, or the guard already answered
            if self._busy >= self.max_threads:
                data, content_type = self.errors(503, "hub.unavailable",
                                                 "too many requests at once; try again")
                answer = HttpAnswer(503, data, content_type, {"Retry-After": "1"})
            else:
                self._busy += 1
                try:
                    answer = await self._in_thread(replace(request, body=body))
                finally:
                    self._busy -= 1
        await _send(send, answer)

    async def _in_thread(self, request: HttpRequest) -> HttpAnswer:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[HttpAnswer] = loop.create_future()

        def settle(answer: HttpAnswer) -> None:
            if not done.done():
                done.set_result(answer)

        def run() -> None:
            loop.call_soon_threadsafe(settle, self._handle(request))

        threading.Thread(target=run, name=f"{self.name}:request", daemon=True).start()
        # Shielded: if the server is stopped meanwhile, the answer is still awaited.
        return await asyncio.shield(done)

    def _handle(self, request: HttpRequest) -> HttpAnswer:
        try:
            return self.door.handle(request)
        except Exception:
            log.exception("%s %s from %s: the door failed", request.method, request.path,
                          request.peer)
            return self.door.failed()


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send(send: Send, answer: HttpAnswer) -> None:
    headers = [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in answer.headers.items()]
    if answer.body:
        headers.append((b"content-type", answer.content_type.encode("latin-1")))
    headers.append((b"content-length", str(len(answer.body)).encode()))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body})
