"""Look a credit code up in the legal-entity library: to verify a code under review and to
enrich a record with the entity's registered name, registration authority and status.

Contract of :meth:`LegalEntityLookup.lookup`:

- the entity as the library knows it, or None when the library answers 404 (no such code);
- :class:`TransientError` for a refused connection, a timeout, 408/429/5xx: ask again later;
- :class:`PermanentError` for any other answer (credentials refused, a 200 without the
  entity's name): the lookup is misconfigured or the library broke its contract.

Answers (found and not found) are cached for ``cache_seconds``, so a batch of records about one
entity costs one request; failures are never cached. Thread-safe (one HTTP session per thread).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, Field, field_validator

from adapters.rest.client import HttpAuth, authorise, check_http_url, describe, send
from adapters.sdk import PermanentError


class LegalEntityLookupConfig(BaseModel):
    """Where the library answers lookups, and how its answer is laid out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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


@dataclass(frozen=True)
class LegalEntity:
    """An entity as registered in the library."""

    credit_code: str
    name: str
    registration_authority: str | None
    #: Registration status as the library words it (存续, 在业, 注销, 吊销...).
    status: str | None


class LegalEntityLookup:
    """A cached client of the library's lookup endpoint. ``close`` releases the sessions."""

    def __init__(self, config: LegalEntityLookupConfig, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
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
        entity = self._ask(code)
        if self.config.cache_seconds > 0:
            with self._lock:
                self._cache[code] = (now + self.config.cache_seconds, entity)
                self._cache.move_to_end(code)
                while len(self._cache) > self.config.cache_size:
                    self._cache.popitem(last=False)
        return entity

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

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
