"""Hub errors as JSON responses with a machine-readable code.

| Raised | Status | ``code`` |
|---|---|---|
| :class:`NotAuthenticated` (no or unknown token) | 401 | ``unauthorized`` |
| a body or query that does not fit its model | 422 | ``validation_error`` |
| :class:`ConfigError` (blank reason, unknown destination, ...) | 400 | ``bad_request`` |
| :class:`NotFound` (no such dead letter, message unknown to the journal) | 404 | ``not_found`` |
| :class:`BrokerUnavailable` | 503 | ``broker_unavailable`` |
| :class:`JournalUnavailable` | 503 | ``journal_unavailable`` |
| :class:`PublishNotConfirmed` (the broker refused a retry or replay) | 503 | ``not_confirmed`` |

Anything else is a bug and becomes FastAPI's plain 500. Messages come from the hub's own errors,
which never contain credentials (URLs are masked, tokens never reach an error).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from hub.app.http.auth import NotAuthenticated
from hub.journal import JournalUnavailable
from schemas.contract.errors import (
    BrokerUnavailable,
    ConfigError,
    PermanentError,
    PublishNotConfirmed,
)


class NotFound(PermanentError):
    """What the request names does not exist (HTTP 404). Permanent: asking again gives 404."""


#: Most specific first: the first entry the error is an instance of decides.
_STATUS: list[tuple[type[Exception], int, str]] = [
    (NotAuthenticated, 401, "unauthorized"),
    (NotFound, 404, "not_found"),
    (ConfigError, 400, "bad_request"),
    (BrokerUnavailable, 503, "broker_unavailable"),
    (JournalUnavailable, 503, "journal_unavailable"),
    (PublishNotConfirmed, 503, "not_confirmed"),
]


def error_response(
    status: int, code: str, message: str, *, fields: list[dict[str, Any]] | None = None
) -> JSONResponse:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Register the table above on ``app``."""

    async def hub_error(_request: Request, exc: Exception) -> JSONResponse:
        for kind, status, code in _STATUS:
            if isinstance(exc, kind):
                return error_response(status, code, str(exc))
        raise exc  # not registered for anything else

    async def invalid_request(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # Only where and what: the rejected input itself is the caller's and is not echoed.
        fields = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return error_response(422, "validation_error", "the request does not fit the API", fields=fields)

    for kind, _status, _code in _STATUS:
        app.add_exception_handler(kind, hub_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
