"""Every error of the admin API as one JSON shape with a machine-readable code.

The shape (:class:`~hub.app.http.models.ErrorOut`) is ``{"error": {"code", "message"}}``, with
``fields`` for validation errors. Nothing answers in another shape: hub errors, FastAPI's
validation errors, Starlette's routing errors (404, 405) and anything unexpected (500) all
go through :func:`error_response`.

| Raised | Status | ``code`` |
|---|---|---|
| :class:`NotAuthenticated` (no or unknown token; see :mod:`~hub.app.http.guard`) | 401 | ``unauthorized`` |
| :class:`NotAllowed` (the token's role lacks the right) | 403 | ``forbidden`` |
| a body or query that does not fit its model | 422 | ``validation_error`` |
| :class:`ConfigError` (blank reason, unknown destination, ...) | 400 | ``bad_request`` |
| :class:`NotFound`, or a path the API does not have | 404 | ``not_found`` |
| a method a path does not take | 405 | ``method_not_allowed`` |
| a body over the cap / arriving too slowly (:mod:`~hub.app.http.guard`) | 413 / 408 | ``too_large`` / ``timeout`` |
| :class:`BrokerUnavailable` | 503 | ``broker_unavailable`` |
| :class:`JournalUnavailable` | 503 | ``journal_unavailable`` |
| :class:`PublishNotConfirmed` (the broker refused a retry or replay) | 503 | ``not_confirmed`` |
| anything else (a bug) | 500 | ``internal_error`` |

Messages come from the hub's own errors, which never contain credentials (URLs are masked,
tokens never reach an error); a 500 says nothing of its cause, which goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from hub.app.http.auth import NotAllowed, NotAuthenticated
from hub.journal import JournalUnavailable
from schemas.contract.errors import (
    BrokerUnavailable,
    ConfigError,
    PermanentError,
    PublishNotConfirmed,
)

log = logging.getLogger(__name__)


class NotFound(PermanentError):
    """What the request names does not exist (HTTP 404). Permanent: asking again gives 404."""


#: Most specific first: the first entry the error is an instance of decides.
_STATUS: list[tuple[type[Exception], int, str]] = [
    (NotAuthenticated, 401, "unauthorized"),
    (NotAllowed, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (ConfigError, 400, "bad_request"),
    (BrokerUnavailable, 503, "broker_unavailable"),
    (JournalUnavailable, 503, "journal_unavailable"),
    (PublishNotConfirmed, 503, "not_confirmed"),
]

#: Codes of Starlette's own HTTP errors (routing); any other status is ``http_<status>``.
_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
               413: "too_large", 415: "unsupported_media_type"}

#: Every ``code`` an error body can carry, for the documentation of :class:`ErrorOut`.
ERROR_CODES = sorted({code for _kind, _status, code in _STATUS} | set(_HTTP_CODES.values())
                     | {"validation_error", "timeout", "internal_error"})


def error_response(
    status: int, code: str, message: str, *, fields: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse({"error": error}, status_code=status, headers=headers or None)


#: An API's own errors: (kind, status, code); a code of None takes the error's own ``code``.
ErrorTable = Sequence[tuple[type[Exception], int, str | None]]


def install_error_handlers(app: FastAPI, own: ErrorTable = (), *, name: str = "admin API"
                           ) -> None:
    """Register ``own`` errors, then the table above, on ``app``."""
    table = [*own, *_STATUS]

    async def hub_error(_request: Request, exc: Exception) -> JSONResponse:
        for kind, status, code in table:
            if isinstance(exc, kind):
                return error_response(status, code or str(getattr(exc, "code", "error")),
                                      str(exc))
        raise exc  # not registered for anything else

    async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Only where and what: the rejected input itself is the caller's and is not echoed.
        fields = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return error_response(422, "validation_error", "the request does not fit the API", fields=fields)

    async def http_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)

    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("%s request failed", name, exc_info=exc)
        return error_response(500, "internal_error", "the hub failed; the cause is in its log")

    for kind, _status, _code in table:
        app.add_exception_handler(kind, hub_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
