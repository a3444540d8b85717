"""The information service's REST door: JSON over HTTP, one bearer token per caller.

Endpoints (every one needs ``Authorization: Bearer <token>`` of a caller in the access policy,
:mod:`hub.information.access`, and a ``purpose`` that caller may state):

- ``GET  /entities/{credit_code}?as_of=&purpose=``                         the entity's profile
- ``GET  /entities/{credit_code}/discipline-check?department=&licence_item=&on=&purpose=``
- ``GET  /entities?name=&offset=&limit=&purpose=``                          search by name prefix
- ``POST /persons/search``  ``{"id_number", "purpose", "offset"}``          a person's records
- ``GET  /openapi.json``                                                    this API's document
  (public: it describes the API and holds no data)

Errors are one JSON shape, ``{"error": {"code", "message"}}`` (:mod:`~hub.app.http.error_responses`):
401 ``auth.unauthenticated`` (no or unknown token), 403 ``query.forbidden`` (an operation,
purpose, department or ID-number search the caller's policy does not allow), 400 with the
question's own code (``query.credit_code_invalid``, ``query.too_long``...), 422
``validation_error`` (a parameter of the wrong shape), 503 ``journal_unavailable`` (the
database is down: ask again later); never a stack trace. Every answered question is audited
(:mod:`hub.information.service`) under the caller's id.
"""

# No "from __future__ import annotations": FastAPI reads the endpoints' annotations at runtime.

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Annotated, TypeVar

from fastapi import Depends, FastAPI, Query
from fastapi import Path as InPath
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.sdk.http_server import ServerLimits
from hub.app.http.error_responses import install_error_handlers
from hub.app.http.models import ErrorOut
from hub.assembly import Hub
from hub.information.access import AccessPolicy, CallerPolicy, NotAuthenticated
from hub.information.answers import (
    DisciplineCheck,
    EntityProfile,
    RecordPage,
    SearchPage,
)
from hub.information.desk import (
    Answer,
    DisciplineQuestion,
    InformationDesk,
    NameSearch,
    PersonSearch,
    ProfileQuestion,
)
from hub.information.queries import PAGE_LIMIT
from hub.information.service import BadQuery, QueryRefused

_A = TypeVar("_A", EntityProfile, DisciplineCheck, SearchPage, RecordPage)

_ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in [(400, "The question cannot be answered as asked (its code says why)"),
                         (401, "No token, or not a caller's"),
                         (403, "The caller's policy does not allow this question or purpose"),
                         (422, "A parameter does not fit the API"),
                         (503, "The supervision database or the journal is unavailable")]
}

#: The door's bounds: small questions, answers a profile's size.
INFORMATION_LIMITS = ServerLimits(deadline_seconds=30.0, max_body_bytes=64 * 1024, max_concurrent=32)

Purpose = Annotated[str, Query(min_length=1, max_length=200,
                               description="Why the caller asks (用途); must be one its policy names.")]
CreditCode = Annotated[str, InPath(min_length=1, max_length=64,
                                   description="The entity's Unified Social Credit Code.")]


class _Desk:
    """The desk on the store and the journal the app opens when it starts."""

    def __init__(self) -> None:
        self.desk: InformationDesk | None = None

    def get(self) -> InformationDesk:
        if self.desk is None:
            raise RuntimeError("the information API is not started (use it through its lifespan)")
        return self.desk


def create_app(hub: Hub, policy: AccessPolicy) -> FastAPI:
    """The REST door for ``hub``'s supervision database, answering the callers of ``policy``.
    Nothing connects here: the store and the journal open when the app starts."""
    opened = _Desk()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        with hub.information_desk() as desk:
            opened.desk = desk
            try:
                yield
            finally:
                opened.desk = None

    bearer = HTTPBearer(auto_error=False, description="A caller's token (information access).")

    def caller(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
               ) -> CallerPolicy:
        return policy.authenticate(None if credentials is None else credentials.credentials)

    Caller = Annotated[CallerPolicy, Depends(caller)]
    app = FastAPI(
        title="supervision-hub information service",
        version="1",
        summary="Ask the supervision database about an entity (通用信息服务接口).",
        lifespan=lifespan,
        responses=_ERRORS,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app, [(NotAuthenticated, 401, None), (QueryRefused, 403, None),
                                 (BadQuery, 400, None)], name="information API")

    @app.get("/entities/{credit_code}", tags=["entities"])
    def profile(credit_code: CreditCode, purpose: Purpose, found: Caller,
                as_of: Annotated[date | None, Query(description="Default: today.")] = None,
                live: Annotated[bool, Query(description="Also ask the platforms now (scatter-"
                                "gather with a deadline; partial answers say who is missing)."
                                )] = False,
                ) -> EntityProfile:
        """Everything filed under the entity that is in force (or happened) on ``as_of``, as
        far as the caller's policy shows it."""
        return _as(EntityProfile, opened.get().answer(found, ProfileQuestion(
            purpose=purpose, credit_code=credit_code, as_of=as_of, live=live)))

    @app.get("/entities/{credit_code}/discipline-check", tags=["entities"])
    def discipline_check(
        credit_code: CreditCode, purpose: Purpose, found: Caller,
        department: Annotated[str, Query(min_length=1, max_length=64)],
        licence_item: Annotated[str, Query(min_length=1, max_length=200)],
        on: Annotated[date | None, Query(description="Default: today.")] = None,
    ) -> DisciplineCheck:
        """May ``department`` grant ``licence_item`` to the entity on ``on``? The
        joint-discipline measures in force that restrict it, or none."""
        return _as(DisciplineCheck, opened.get().answer(found, DisciplineQuestion(
            purpose=purpose, credit_code=credit_code, department=department,
            licence_item=licence_item, on=on)))

    @app.get("/entities", tags=["entities"])
    def search_by_name(
        purpose: Purpose, found: Caller,
        name: Annotated[str, Query(min_length=2, max_length=200, description="A name prefix.")],
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT)] = PAGE_LIMIT,
    ) -> SearchPage:
        """Entities whose name starts with ``name``, by credit code, a page at a time."""
        return _as(SearchPage, opened.get().answer(found, NameSearch(
            purpose=purpose, name=name, offset=offset, limit=limit)))

    @app.post("/persons/search", tags=["persons"])
    def search_by_person(request: PersonSearch, found: Caller) -> RecordPage:
        """The records naming a person by ID number, newest first (callers entitled to
        personal data only)."""
        return _as(RecordPage, opened.get().answer(found, request))

    return app


def _as(kind: type[_A], answer: Answer) -> _A:
    """``answer``, which the desk gives for the question asked, as the endpoint declares it."""
    assert isinstance(answer, kind)
    return answer
