"""The admin API's door: every request is authenticated, its role checked and its body bounded,
before routing.

:class:`Guard` is a pure ASGI middleware around the whole app, so nothing (routing, body
parsing, validation, the OpenAPI document) runs for a caller without a valid token: a stranger
learns 401 and nothing else, not even which paths exist or what a body should look like. The
authenticated :class:`~hub.app.http.auth.Caller` is left in the request's ``state`` for the
endpoints (the actor for the audit trail, the role for :func:`~hub.app.http.auth.require`).

Then the body: at most :data:`MAX_BODY_BYTES` are read (a ``Content-Length`` above that is
refused unread; a longer stream is refused after ``MAX_BODY_BYTES + 1`` bytes, 413), and it must
arrive within :data:`BODY_SECONDS` (408), so a slow or endless body holds no worker. The body is
then handed to the app from memory. Every refusal is in the one error shape.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.app.http.auth import (
    AdminTokens,
    NotAllowed,
    NotAuthenticated,
    Role,
    caller_for,
    require,
)
from hub.app.http.error_responses import error_response
from schemas.contract.errors import PermanentError

#: The largest request body accepted. A retry or replay request is a few hundred bytes; 64 KiB
#: still holds over a thousand message ids (uuids), more than one call should move.
MAX_BODY_BYTES = 64 * 1024

#: How long a request body may take to arrive.
BODY_SECONDS = 10.0

#: Methods that only read; any other needs the operator role, except the paths below.
READING = frozenset({"GET", "HEAD"})
#: POSTs that only read (their parameters are personal data, kept out of URLs and access logs),
#: with the role each needs instead of operator.
READING_POSTS = {"/persons/search": Role.OFFICER}


class _Refused(PermanentError):
    """A request refused at the door (413, 408, 400); the same request is refused again."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class Guard:
    """Authenticate, then bound the body, of every HTTP request to ``app``."""

    def __init__(self, app: ASGIApp, *, tokens: AdminTokens) -> None:
        self.app = app
        self.tokens = tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: nothing to guard
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            caller = caller_for(headers.get("authorization"), self.tokens)
            if scope["method"] not in READING:
                require(caller, READING_POSTS.get(scope["path"], Role.OPERATOR))
            body = await _bounded_body(headers, receive)
        except NotAuthenticated as e:
            await error_response(401, "unauthorized", str(e))(scope, receive, send)
            return
        except NotAllowed as e:
            await error_response(403, "forbidden", str(e))(scope, receive, send)
            return
        except _Refused as e:
            await error_response(e.status, e.code, str(e))(scope, receive, send)
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, _replay(body, receive), send)


async def _bounded_body(headers: dict[str, str], receive: Receive) -> bytes:
    declared = headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
        raise _Refused(413, "too_large", f"a request body may have {MAX_BODY_BYTES} bytes at most")
    try:
        return await asyncio.wait_for(_read(receive), BODY_SECONDS)
    except TimeoutError:
        raise _Refused(408, "timeout", f"the body did not arrive within {BODY_SECONDS:g} s") from None


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(400, "bad_request", "the client went away")
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(413, "too_large", f"a request body may have {MAX_BODY_BYTES} bytes at most")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app the body already read, then waits on the real one
    (for the disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        message: dict[str, Any] = dict(await receive())
        return message

    return replayed
