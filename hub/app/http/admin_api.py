"""The JSON HTTP admin API: the operations of :class:`AdminOps`, behind bearer tokens.

Every request, ``/openapi.json`` included, needs ``Authorization: Bearer <token>``; without a
valid one the answer is 401 before anything else is looked at (:mod:`hub.app.http.guard`, which
also caps bodies). There is no ``/docs`` or ``/redoc`` page: a browser page cannot send the
token, and the document it would show is ``/openapi.json``. Endpoints, by the role they need
(:class:`~hub.app.http.auth.Role`):

- viewer:   ``GET  /dead-letters/{destination}?credit_code=&limit=``  list, oldest first
- viewer:   ``GET  /dead-letters/{destination}/{message_id}``         one, with its body (404 if none)
- viewer:   ``GET  /messages/{message_id}``                           one journaled input (404 if none)
- officer:  ``POST /persons/search``                                  a person's inputs by ID number (``PersonRequest``)
- operator: ``POST /dead-letters/{destination}/retry``                retry ids or all (``RetryRequest``)
- operator: ``POST /replay``                                          replay from the journal (``ReplayRequest``)
- viewer:   ``GET  /trace/{message_id}``                              every hop (404 if unknown)
- viewer:   ``GET  /timeline/{credit_code}``                          every event of one entity
- viewer:   ``GET  /audit?limit=``                                    the audit trail, newest first
- viewer:   ``GET  /openapi.json``                                    this API's OpenAPI document

Retry and replay (dry runs too: they are audited) need an operator's token and are audited
with its actor; a viewer's gets 403. Every reading endpoint shows personal data masked
(:mod:`hub.admin.views`); ``?unmask=true&reason=...`` on one dead letter, a message, a trace or
a timeline shows it whole to an officer's token, after writing the audit entry (403 for any
other role, 400 without a reason). Every error is JSON in one shape with a code
(:mod:`hub.app.http.error_responses`).

Concurrency: endpoints are plain functions, which FastAPI runs in a thread pool. A
:class:`BrokerSession` is not thread-safe, so each request that needs the broker opens its own
session and closes it before answering. Sharing one session behind a lock was the alternative;
it would serialise every admin call behind the slowest (a rate-limited retry takes minutes),
and an idle AMQP connection misses heartbeats and dies between calls, needing reconnect logic.
An admin API serves a few calls a minute, so a connection per call costs nothing that matters
and a broken one never outlives its request. The :class:`Journal` is thread-safe and pooled, so
one is shared; requests that only read the journal (trace, timeline, audit, dry-run replay)
open no broker connection at all and keep working while the broker is down.
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime,
# and as strings they could not name the dependencies local to create_app.

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from fastapi import Path as InPath
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.sdk.http_server import ServerLimits
from hub.admin.dead_letters import SCAN_LIMIT
from hub.admin.operations import AdminOps
from hub.admin.views import Unmasking
from hub.app.http.auth import AdminTokens, Caller, Role, require
from hub.app.http.error_responses import NotFound, install_error_handlers
from hub.app.http.guard import Guard
from hub.app.http.models import (
    MAX_NAME_LENGTH,
    NO_CONTROLS,
    ActionOut,
    AuditOut,
    DeadLetterDetail,
    DeadLetterOut,
    ErrorOut,
    EventOut,
    MessageOut,
    PersonRequest,
    Reason,
    ReplayRequest,
    RetryRequest,
)
from hub.app.http.serving import serve_api
from hub.assembly import Hub
from hub.journal import Journal
from schemas.contract.errors import BrokerUnavailable, ConfigError

_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in [(400, "Refused by the hub (e.g. blank reason, unknown destination)"),
                         (401, "No token, or not a valid one"),
                         (408, "The request body did not arrive in time"),
                         (413, "The request body is too large"),
                         (422, "The request does not fit the API"),
                         (503, "The broker or the journal is unavailable; try again later")]
}
_NOT_FOUND: dict[int | str, dict[str, object]] = {404: {"model": ErrorOut, "description": "Not found"}}
_FORBIDDEN: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorOut, "description": "The token's role does not allow this (retry and "
          "replay need operator, unmask needs officer)"}
}

#: A name in a path (system id, message id, credit code): bounded and printable, so nothing a
#: journal or broker cannot take reaches them (422 instead).
PathName = Annotated[str, InPath(max_length=MAX_NAME_LENGTH, pattern=NO_CONTROLS)]


class _Operations:
    """Hands each request an :class:`AdminOps` on the shared journal (see the module docstring)."""

    def __init__(self, hub: Hub, journal: Journal | None) -> None:
        self.hub = hub
        self.journal = journal

    @contextmanager
    def use(self, *, broker: bool) -> Iterator[AdminOps]:
        """``broker=False`` for journal-only operations: the session is then never opened, and
        would raise :class:`BrokerUnavailable` if an operation touched it after all."""
        if self.journal is None:
            raise RuntimeError("the admin API is not started (use it through its lifespan)")
        session = self.hub.session()
        if not broker:
            yield AdminOps(self.hub, session, self.journal)
            return
        with session:
            try:
                yield AdminOps(self.hub, session, self.journal)
            except session.recoverable_errors as e:
                # The connection broke mid-operation; kombu's own error would surface as a 500.
                raise BrokerUnavailable(f"lost the broker at {session.safe_url}: {e}") from e


def create_app(hub: Hub, *, tokens: AdminTokens, journal: Journal | None = None) -> FastAPI:
    """The admin API for ``hub``, accepting ``tokens`` (actor -> role and token).

    Nothing connects here. Without ``journal`` the hub's journal is opened when the app starts
    (its lifespan) and closed when it stops; a given ``journal`` is used as is and left open.
    Raises :class:`ConfigError` if ``tokens`` is empty.
    """
    if not tokens:
        raise ConfigError("the admin API needs at least one actor token")
    operations = _Operations(hub, journal)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if journal is not None:
            yield
            return
        operations.journal = hub.open_journal()
        try:
            yield
        finally:
            operations.journal.close()
            operations.journal = None

    # The Guard has authenticated the request before routing; the bearer scheme here only puts
    # the security requirement into the OpenAPI document.
    bearer = HTTPBearer(auto_error=False, description="A token from HUB_ADMIN_TOKENS.")

    def caller(
        request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Caller:
        found: Caller = request.state.caller
        return found

    def operator(found: Annotated[Caller, Depends(caller)]) -> str:
        require(found, Role.OPERATOR)
        return found.actor

    app = FastAPI(
        title="supervision-hub admin API",
        version="1",
        summary="Dead letters, retry, replay, trace, timeline and the audit trail.",
        lifespan=lifespan,
        dependencies=[Depends(caller)],
        responses=_ERRORS,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    app.add_middleware(Guard, tokens=tokens)
    Operator = Annotated[str, Depends(operator)]

    def unmasking(
        found: Annotated[Caller, Depends(caller)],
        unmask: Annotated[bool, Query(description="Show personal data whole (officers; audited).")]
        = False,
        reason: Annotated[Reason | None, Query(description="Why it must be seen whole.")] = None,
    ) -> Unmasking | None:
        if not unmask:
            return None
        require(found, Role.OFFICER)
        return Unmasking(found.actor, reason or "")

    Unmask = Annotated[Unmasking | None, Depends(unmasking)]

    @app.get("/dead-letters/{destination}", tags=["dead letters"])
    def list_dead_letters(
        destination: PathName,
        credit_code: Annotated[
            str | None,
            Query(description="Only this entity's records.", max_length=MAX_NAME_LENGTH,
                  pattern=NO_CONTROLS),
        ] = None,
        limit: Annotated[int, Query(gt=0, le=SCAN_LIMIT)] = 1000,
    ) -> list[DeadLetterOut]:
        """The dead letters of a destination, oldest first; reading leaves them in place."""
        with operations.use(broker=True) as ops:
            letters = ops.dead_letters(destination, credit_code=credit_code, limit=limit)
        return [DeadLetterOut.of(letter) for letter in letters]

    @app.get("/dead-letters/{destination}/{message_id}", tags=["dead letters"],
             responses={**_NOT_FOUND, **_FORBIDDEN})
    def show_dead_letter(
        destination: PathName, message_id: PathName, unmask: Unmask
    ) -> DeadLetterDetail:
        """One dead letter with its body, personal data masked unless an officer unmasks it."""
        with operations.use(broker=True) as ops:
            shown = ops.dead_letter(destination, message_id, unmask=unmask)
        if shown is None:
            raise NotFound(f"no dead letter {message_id} for {destination}")
        return DeadLetterDetail.of_shown(shown)

    @app.post("/dead-letters/{destination}/retry", tags=["dead letters"], responses=_FORBIDDEN)
    def retry_dead_letters(destination: PathName, request: RetryRequest, actor: Operator) -> ActionOut:
        """Send dead letters back to the destination with a fresh retry schedule, at ``rate``
        per second; the answer comes when all are sent. Audited."""
        with operations.use(broker=True) as ops:
            result = ops.retry_dead_letters(
                destination, actor=actor, reason=request.reason, message_ids=request.message_ids,
                credit_code=request.credit_code, rate_per_second=request.rate,
                dry_run=request.dry_run,
            )
        return ActionOut.of(result)

    @app.post("/replay", tags=["journal"], responses=_FORBIDDEN)
    def replay(request: ReplayRequest, actor: Operator) -> ActionOut:
        """Publish journaled inputs again as their source sent them, at ``rate`` per second;
        destinations drop what they already have. Audited."""
        with operations.use(broker=not request.dry_run) as ops:
            result = ops.replay(
                request.query(), actor=actor, reason=request.reason,
                rate_per_second=request.rate, dry_run=request.dry_run,
            )
        return ActionOut.of(result)

    @app.get("/trace/{message_id}", tags=["journal"], responses={**_NOT_FOUND, **_FORBIDDEN})
    def trace(message_id: PathName, unmask: Unmask) -> list[EventOut]:
        """Every hop of one message, oldest first."""
        with operations.use(broker=False) as ops:
            events = ops.trace(message_id, unmask=unmask)
        if not events:
            raise NotFound(f"the journal does not know message {message_id}")
        return [EventOut.of(event) for event in events]

    @app.get("/timeline/{credit_code}", tags=["journal"], responses=_FORBIDDEN)
    def timeline(credit_code: PathName, unmask: Unmask) -> list[EventOut]:
        """Everything that happened to one entity's records, across all departments."""
        with operations.use(broker=False) as ops:
            return [EventOut.of(event) for event in ops.timeline(credit_code, unmask=unmask)]

    @app.post("/persons/search", tags=["journal"], responses=_FORBIDDEN)
    def person(request: PersonRequest, found: Annotated[Caller, Depends(caller)]) -> list[MessageOut]:
        """The journaled inputs naming a person, found by ID number through its keyed SM3
        digest; masked unless ``unmask``. Officers only; audited (the number masked)."""
        require(found, Role.OFFICER)
        officer = Unmasking(found.actor, request.reason)
        with operations.use(broker=False) as ops:
            shown = ops.person(request.id_number, officer=officer, unmask=request.unmask,
                               limit=request.limit)
        return [MessageOut.model_validate(one) for one in shown]

    @app.get("/messages/{message_id}", tags=["journal"], responses={**_NOT_FOUND, **_FORBIDDEN})
    def message(message_id: PathName, unmask: Unmask) -> MessageOut:
        """One input as the journal keeps it: its record and body, personal data masked unless
        an officer unmasks it."""
        with operations.use(broker=False) as ops:
            shown = ops.message(message_id, unmask=unmask)
        if shown is None:
            raise NotFound(f"the journal does not know message {message_id}")
        return MessageOut.model_validate(shown)

    @app.get("/audit", tags=["journal"])
    def audit(limit: Annotated[int, Query(gt=0, le=10_000)] = 100) -> list[AuditOut]:
        """The audit trail, newest first: who did what, when, why, to how many."""
        with operations.use(broker=False) as ops:
            return [AuditOut.of(entry) for entry in ops.audits(limit)]

    return app


#: The admin API's bounds: its requests are small JSON documents.
ADMIN_LIMITS = ServerLimits(deadline_seconds=30.0, max_body_bytes=1024 * 1024, max_concurrent=16)


def serve(
    hub: Hub,
    *,
    host: str,
    port: int,
    tokens: AdminTokens,
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
    ssl_client_ca: Path | None = None,
    behind_tls_proxy: bool = False,
) -> None:
    """Run the admin API (:func:`hub.app.http.serving.serve_api`: TLS off loopback, a graceful
    stop on SIGINT or SIGTERM). Raises :class:`ConfigError` for bad tokens or TLS files and
    whatever opening the journal raises."""
    serve_api(create_app(hub, tokens=tokens), name="admin API", host=host, port=port,
              limits=ADMIN_LIMITS, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
              ssl_client_ca=ssl_client_ca, behind_tls_proxy=behind_tls_proxy)
