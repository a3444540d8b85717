"""Bounds on every HTTP request a door of the hub serves: time, size and how many at once.

Two pieces, installed together by :class:`~adapters.sdk.http_server.HttpServer`:

- :func:`deadline_protocol`: uvicorn's h11 protocol with a timer per connection. A request's
  headers must arrive within the deadline of the connection opening (or of the previous answer
  on a kept-alive connection); otherwise the server answers 408 and closes. uvicorn itself only
  times out idle kept-alive connections, so a client sending its headers a byte at a time (a
  slowloris) would hold its connection forever.
- :class:`Guard`: ASGI middleware. Beyond ``max_concurrent`` requests in progress a request is
  answered 503 with ``Retry-After`` at once, without queueing; the whole body must arrive
  within the deadline (counted from when the headers arrived), else 408; more than
  ``max_body_bytes`` of body, whatever the Content-Length said, is 413. After a 408 or 413 the
  application reads ``http.disconnect`` and whatever it still sends is dropped.

Answers the guard gives itself are JSON ``{"error": {"code", "message", "path"}}`` unless the
door formats them (a SOAP door answers SOAP faults): see :data:`ErrorFormat`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]
#: Formats an error the server answers itself: (status, code, message) -> (body, content type).
ErrorFormat = Callable[[int, str, str], tuple[bytes, str]]
_DISCONNECT: Message = {"type": "http.disconnect"}


def json_error(status: int, code: str, message: str) -> tuple[bytes, str]:
    """The hub's JSON error body (as rest-push and the admin API answer)."""
    body = {"error": {"code": code, "message": message, "path": ""}}
    return json.dumps(body).encode("utf-8"), "application/json; charset=utf-8"


def deadline_protocol(seconds: float, errors: ErrorFormat = json_error) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing connections whose request headers come too late."""

    class DeadlineProtocol(H11Protocol):
        _timer: asyncio.TimerHandle | None = None
        _armed_for: object = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._timer is not None:
                self._timer.cancel()
            super().connection_lost(exc)

        def shutdown(self) -> None:
            if self.cycle is None or self.cycle.response_complete:
                # Idle: nothing to answer. A TLS close would wait up to 30 s for the peer's
                # close_notify (a peer that never finished its handshake never sends one).
                self.transport.abort()
            else:
                super().shutdown()

        def _arm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
            self._armed_for = self.cycle
            self._timer = self.loop.call_later(seconds, self._late)

        def _late(self) -> None:
            self._timer = None
            if self.transport.is_closing() or self.cycle is not self._armed_for:
                return  # a request began meanwhile: the guard times its body
            if self.cycle is not None and not self.cycle.response_complete:
                return
            if self.conn.their_state is h11.IDLE:  # nothing (or part of a header) arrived
                body, content_type = errors(408, "http.timeout",
                                            f"the request did not arrive within {seconds:g} s")
                self.transport.write(
                    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: " + content_type.encode()
                    + b"\r\ncontent-length: " + str(len(body)).encode()
                    + b"\r\nconnection: close\r\n\r\n" + body)
            self.transport.close()  # also ends the unread rest of a refused request's body

    return DeadlineProtocol


class Guard:
    """ASGI middleware: concurrency, whole-request deadline and body size (module docstring)."""

    def __init__(self, app: Asgi, *, deadline_seconds: float, max_body_bytes: int,
                 max_concurrent: int, errors: ErrorFormat = json_error) -> None:
        self.app = app
        self.deadline_seconds = deadline_seconds
        self.max_body_bytes = max_body_bytes
        self.max_concurrent = max_concurrent
        self.errors = errors
        # Only touched on the event loop's thread, so a plain counter is safe.
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_concurrent:
            await self._answer(send, 503, "hub.unavailable",
                               "too many requests at once; try again", {"retry-after": "1"})
            return
        self.in_flight += 1
        try:
            await _GuardedRequest(self, scope, receive, send).run()
        finally:
            self.in_flight -= 1

    async def _answer(self, send: Send, status: int, code: str, message: str,
                      headers: dict[str, str] | None = None) -> None:
        body, content_type = self.errors(status, code, message)
        raw = [(b"content-type", content_type.encode()), (b"connection", b"close")]
        raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


class _GuardedRequest:
    """One request under the guard: wraps receive and send."""

    def __init__(self, guard: Guard, scope: Scope, receive: Receive, send: Send) -> None:
        self.guard, self.scope = guard, scope
        self._receive, self._send = receive, send
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time() + guard.deadline_seconds
        self._received = 0
        self._body_done = False
        self._started = False
        self._refused = False

    async def run(self) -> None:
        try:
            await self.guard.app(self.scope, self.receive, self.send)
        except Exception:
            if not self._refused:
                raise
            # The application tripped over the disconnect the guard gave it: already answered.

    async def receive(self) -> Message:
        if self._refused:
            return _DISCONNECT
        if self._body_done:
            return await self._receive()
        remaining = self._deadline - self._loop.time()
        try:
            async with asyncio.timeout(max(remaining, 0.0)):
                message = await self._receive()
        except TimeoutError:
            return await self._refuse(408, "http.timeout", "the request body did not arrive "
                                      f"within {self.guard.deadline_seconds:g} s")
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self.guard.max_body_bytes:
                return await self._refuse(413, "http.too_large", "the body is over "
                                          f"{self.guard.max_body_bytes} bytes")
            self._body_done = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if self._refused:
            return
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)

    async def _refuse(self, status: int, code: str, message: str) -> Message:
        if not self._started:
            self._started = True
            await self.guard._answer(self._send, status, code, message)
        self._refused = True
        return _DISCONNECT
