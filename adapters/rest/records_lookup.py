"""``records-lookup``: ask a platform over HTTP which records it holds about an entity now.

It implements the SDK's :class:`~adapters.sdk.RecordsLookup` port, which the information
service's live profile holds (:mod:`hub.information.live`): the credit platform's credit items
about an entity, asked while a caller waits. It is configured by the ``lookup`` block of the
``credit-platform`` entry of the connections file, written without ``kind``::

    credit-platform:
      lookup: {url: "https://credit.example/entities/{credit_code}/credit-records",
               auth: {type: bearer, token: "env:CREDIT_PLATFORM_TOKEN"}}

Contract of :meth:`RecordsLookupClient.lookup_records` (the port's):

- the JSON objects of the answer's ``items_field`` list (the answer itself when it is a
  list), or None when the platform answers 404 (it does not know the entity);
- :class:`TransientError` for a refused connection, a timeout, 408/429/5xx;
- :class:`PermanentError` for any other answer (credentials refused, an answer that is not
  JSON or holds no list, one over ``max_answer_bytes``).

Nothing is cached: live data are asked for because they may have changed. ``start`` resolves
the credentials (ConfigError if one is missing). Thread-safe (one HTTP session per thread).
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar
from urllib.parse import quote

import requests
from pydantic import Field, field_validator

from adapters.rest.client import HttpAuth, authorise, check_http_url, describe, send
from adapters.sdk import (
    AdapterConfig,
    Health,
    PermanentError,
    RecordsLookupAdapter,
    TransientError,
)

#: The registered name of the adapter.
KIND = "records-lookup"


class RecordsLookupConfig(AdapterConfig):
    """Where the platform answers, and where the records are in its answer."""

    kind: str = Field(default=KIND, description="Set by the hub: a lookup block is written without it.")
    url: str = Field(description="URL with {credit_code} where the code goes, e.g. "
                     "https://credit.example/entities/{credit_code}/credit-records.")
    auth: HttpAuth | None = Field(default=None, description="Credentials (bearer or basic).")
    timeout_seconds: float = Field(default=5.0, gt=0, description="Connect and read timeout.")
    items_field: str = Field(default="items", description="Answer field holding the records "
                             "(ignored when the answer is a list).")
    max_answer_bytes: int = Field(default=1024 * 1024, gt=0,
                                  description="Larger answers are refused unread.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "{credit_code}" not in value:
            raise ValueError("the lookup URL needs {credit_code} where the code goes")
        return check_http_url(value)


class RecordsLookupClient(RecordsLookupAdapter[RecordsLookupConfig]):
    """A client of a platform's records-by-entity endpoint. ``close`` releases the sessions."""

    kind: ClassVar[str] = KIND
    mode = "rest"
    Config: ClassVar[type[AdapterConfig]] = RecordsLookupConfig
    summary: ClassVar[str] = (
        "Ask a platform which records it holds about an entity (the information service's "
        "live profile).")

    def __init__(self, config: RecordsLookupConfig, *, system: str) -> None:
        super().__init__(config, system=system)
        self._health = Health(False, "not asked yet")
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []

    def lookup_records(self, credit_code: str) -> list[dict[str, Any]] | None:
        code = credit_code.strip()
        if not code:
            raise ValueError("an empty credit code cannot be looked up")
        try:
            records = self._ask(code)
        except (TransientError, PermanentError) as e:
            self._health = Health(False, str(e))
            raise
        self._health = Health(True, f"{self.system} answered the last lookup")
        return records

    def start(self) -> None:
        """Resolve the credentials now: ConfigError if one is missing (nothing is opened)."""
        with requests.Session() as session:
            authorise(session, self.config.auth)

    def stop(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def health(self) -> Health:
        return self._health

    def _ask(self, code: str) -> list[dict[str, Any]] | None:
        url = self.config.url.replace("{credit_code}", quote(code, safe=""))
        response = send(self._session(), "GET", url, timeout=self.config.timeout_seconds,
                        max_bytes=self.config.max_answer_bytes)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise PermanentError(f"{self.system} lookup {url} answered {describe(response)}")
        try:
            answer = response.json()
        except ValueError as e:
            raise PermanentError(f"{self.system} lookup {url}: the answer is not JSON") from e
        items = answer.get(self.config.items_field) if isinstance(answer, dict) else answer
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise PermanentError(f"{self.system} lookup {url}: the answer holds no list of "
                                 f"records at {self.config.items_field!r}")
        return items

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            authorise(session, self.config.auth)
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session
