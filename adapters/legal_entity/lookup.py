"""``legal-entity-lookup``: look a credit code up in the legal-entity library, to verify a code
under review and to enrich a record with the entity's registered name, registration authority
and status.

It implements the SDK's :class:`~adapters.sdk.EntityLookup` port, which the review verifier
(:mod:`hub.review`) holds. It is configured by the ``lookup`` block of the
``legal-entity-library`` entry of the connections file, written without ``kind`` (the hub knows
which adapter a lookup block is for)::

    legal-entity-library:
      lookup: {url: "https://library.example/entities/{credit_code}",
               auth: {type: bearer, token: "env:LIBRARY_TOKEN"}}

Contract of :meth:`LegalEntityLookup.lookup` (the port's):

- the entity as the library knows it, or None when the library answers 404 (no such code);
- :class:`TransientError` for a refused connection, a timeout, 408/429/5xx: ask again later;
- :class:`PermanentError` for any other answer (credentials refused, a 200 without the
  entity's name): the lookup is misconfigured or the library broke its contract.

``start`` resolves the credentials (ConfigError if one is missing), so a missing secret stops
start-up instead of failing the first record. Answers (found and not found) are cached for
``cache_seconds``, so a batch of records about one entity costs one request; failures are never
cached. Thread-safe (one HTTP session per thread).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import ClassVar
from urllib.parse import quote

import requests
from pydantic import Field, field_validator

from adapters.rest.client import HttpAuth, authorise, check_http_url, describe, send
from adapters.sdk import (
    AdapterConfig,
    EntityLookupAdapter,
    Health,
    LegalEntity,
    PermanentError,
    TransientError,
)

#: The registered name of the lookup adapter.
KIND = "legal-entity-lookup"
#: The system the lookup asks, unless the host says otherwise.
LIBRARY = "legal-entity-library"


class LegalEntityLookupConfig(AdapterConfig):
    """Where the library answers lookups, and how its answer is laid out."""

    kind: str = Field(
        default=KIND, description="Set by the hub: a lookup block is written without it."
    )
    url: str = Field(
        description="Lookup URL with {credit_code} where the code goes, e.g. "
        "https://library.example/entities/{credit_code}."
    )
    auth: HttpAuth | None = Field(default=None, description="Credentials (bearer or basic).")
    timeout_seconds: float = Field(default=5.0, gt=0, description="Connect and read timeout.")
    cache_seconds: float = Field(
        default=60.0, ge=0, description="How long an answer is reused (0: never)."
    )
    cache_size: int = Field(default=10_000, ge=1, description="Most answers kept in the cache.")
    code_field: str = Field(default="UNISCID", description="Answer field with the credit code.")
    name_field: str = Field(default="ENTNAME", description="Answer field with the name.")
    authority_field: str = Field(
        default="REGORG_CN", description="Answer field with the registration authority."
    )
    status_field: str = Field(
        default="REGSTATE_CN", description="Answer field with the registration status."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "{credit_code}" not in value:
            raise ValueError("the lookup URL needs {credit_code} where the code goes")
        return check_http_url(value)


class LegalEntityLookup(EntityLookupAdapter[LegalEntityLookupConfig]):
    """A cached client of the library's lookup endpoint. ``close`` releases the sessions."""

    kind: ClassVar[str] = KIND
    mode = "rest"
    Config: ClassVar[type[AdapterConfig]] = LegalEntityLookupConfig
    summary: ClassVar[str] = (
        "Look credit codes up in the legal-entity library (the review verifier's lookup)."
    )

    def __init__(self, config: LegalEntityLookupConfig, *, system: str = LIBRARY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(config, system=system)
        self._clock = clock
        self._health = Health(False, "not asked yet")
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[float, LegalEntity | None]] = OrderedDict()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []

    def lookup(self, credit_code: str) -> LegalEntity | None:
        """The entity registered under ``credit_code`` (as given, not repaired), or None."""
        code = credit_code.strip()
        if not code:
            raise ValueError("an empty credit code cannot be looked up")
        now = self._clock()
        with self._lock:
            cached = self._cache.get(code)
            if cached is not None and cached[0] > now:
                return cached[1]
        try:
            entity = self._ask(code)
        except (TransientError, PermanentError) as e:
            self._health = Health(False, str(e))
            raise
        self._health = Health(True, "the library answered the last lookup")
        if self.config.cache_seconds > 0:
            with self._lock:
                self._cache[code] = (now + self.config.cache_seconds, entity)
                self._cache.move_to_end(code)
                while len(self._cache) > self.config.cache_size:
                    self._cache.popitem(last=False)
        return entity

    def start(self) -> None:
        """Resolve the credentials now: ConfigError if one is missing (nothing is opened)."""
        with requests.Session() as session:
            authorise(session, self.config.auth)

    def stop(self) -> None:
        """Close the HTTP sessions opened so far; idempotent."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def health(self) -> Health:
        """Whether the last lookup got an answer from the library (found or not)."""
        return self._health

    def _ask(self, code: str) -> LegalEntity | None:
        url = self.config.url.replace("{credit_code}", quote(code, safe=""))
        response = send(self._session(), "GET", url, timeout=self.config.timeout_seconds)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PermanentError(f"legal-entity lookup {url} answered {describe(response)}")
        try:
            answer = response.json()
        except ValueError as e:
            raise PermanentError(f"legal-entity lookup {url}: the answer is not JSON") from e
        name = answer.get(self.config.name_field) if isinstance(answer, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise PermanentError(
                f"legal-entity lookup {url}: the answer has no {self.config.name_field}"
            )
        return LegalEntity(
            credit_code=_text(answer.get(self.config.code_field)) or code,
            name=name.strip(),
            registration_authority=_text(answer.get(self.config.authority_field)),
            status=_text(answer.get(self.config.status_field)),
        )

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            authorise(session, self.config.auth)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
