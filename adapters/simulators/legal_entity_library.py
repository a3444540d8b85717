"""The legal-entity library (法人库), simulated over HTTP on loopback.

- ``GET /entities/<credit_code>``: the entity's current row (404 if unknown), which the hub's
  review verifier asks (the ``lookup`` block of :meth:`connection`);
- ``GET /changes?since=<SEQ>&limit=<n>``: the change feed, changes after ``since`` in order,
  as ``{"items": [...]}`` in the library's layout (:mod:`adapters.legal_entity.layout`).

Both need the bearer token from :meth:`environment`. :meth:`emit` takes an
``enterprise_registration`` record (the unified form, as in ``hub/app/samples/registrations.json``)
or a change already in the library's layout (it has ``UNISCID``), files it as the entity's
current row and appends it to the feed. The library takes nothing from the hub.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from adapters.legal_entity import layout
from adapters.legal_entity.library_mapping import DATE_FIELDS, TEXT_FIELDS
from adapters.simulators.rest_peer import (
    JsonServer,
    Reply,
    Request,
    bearer_ok,
    page_window,
    unauthorised,
)

_EVENT_CODES = {event: code for code, event in layout.CHANGE_TYPES.items()}
_ROW_ONLY = (layout.SEQ, layout.CHANGE_ID, layout.CHANGE_TYPE, "ALTITEMS")


class LegalEntityLibrarySimulator:
    """The library: entities by credit code and a change feed with a ``SEQ`` watermark."""

    system = "legal-entity-library"

    def __init__(self, *, env_prefix: str = "LEGAL_ENTITY_LIBRARY") -> None:
        self.token_variable = f"{env_prefix}_TOKEN"
        self.token = secrets.token_urlsafe(16)
        self.server = JsonServer({
            ("GET", "/entities/"): self._entity,
            ("GET", "/changes"): self._changes,
        })
        self._lock = threading.Lock()
        self._feed: list[Any] = []
        self._entities: dict[str, dict[str, Any]] = {}

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def connection(self) -> dict[str, Any]:
        return {
            "name": "法人库",
            "mode": "rest",
            "provides": ["enterprise_registration"],
            "subscribes": [],
            "inbound": [{
                "kind": "legal-entity-feed",
                "url": f"{self.server.url}/changes",
                "auth": {"type": "bearer", "token": f"env:{self.token_variable}"},
                "poll_seconds": 5.0,
            }],
            # The hub verifies records under review against the library (hub.review).
            "lookup": self.lookup_config(),
        }

    def lookup_config(self) -> dict[str, Any]:
        """Settings for :class:`~adapters.legal_entity.LegalEntityLookupConfig`."""
        return {
            "url": f"{self.server.url}/entities/{{credit_code}}",
            "auth": {"type": "bearer", "token": f"env:{self.token_variable}"},
        }

    def environment(self) -> dict[str, str]:
        return {self.token_variable: self.token}

    def received(self) -> list[dict[str, Any]]:
        return []

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        if record_type != "enterprise_registration":
            raise ValueError(f"the library produces enterprise_registration, not {record_type}")
        change = dict(record) if "UNISCID" in record else to_library_layout(record)
        with self._lock:
            seq = len(self._feed) + 1
            change = {layout.SEQ: seq, layout.CHANGE_ID: f"CH-{seq:08d}", **change}
            self._feed.append(change)
            self._file(change)

    def add_raw_change(self, item: Any) -> None:
        """Append ``item`` to the feed exactly as given (to serve a broken change)."""
        with self._lock:
            self._feed.append(item)

    def changes(self) -> list[Any]:
        """The feed as served, oldest first."""
        with self._lock:
            return list(self._feed)

    def entity(self, credit_code: str) -> dict[str, Any] | None:
        with self._lock:
            return self._entities.get(credit_code)

    def _file(self, change: dict[str, Any]) -> None:
        code = change.get("UNISCID")
        if not isinstance(code, str):
            return
        row = {**self._entities.get(code, {}),
               **{k: v for k, v in change.items() if k not in _ROW_ONLY and v is not None}}
        deregistered = change.get(layout.CHANGE_TYPE) == _EVENT_CODES["deregistration"]
        row["REGSTATE_CN"] = layout.DEREGISTERED if deregistered else layout.ACTIVE
        self._entities[code] = row

    def _entity(self, request: Request) -> Reply:
        if not bearer_ok(request, self.token):
            return unauthorised()
        code = unquote(request.path.rsplit("/", 1)[1])
        entity = self.entity(code)
        if entity is None:
            return Reply(404, {"error": {"code": "not_found", "message": f"no entity {code}"}})
        return Reply(200, entity)

    def _changes(self, request: Request) -> Reply:
        if not bearer_ok(request, self.token):
            return unauthorised()
        window = page_window(request)
        if isinstance(window, Reply):
            return window
        since, limit = window
        with self._lock:
            # A change is after `since` by its position; a broken raw item has no SEQ of its
            # own and is served by position too, as a real feed would keep serving it.
            items = self._feed[since:][:limit]
        return Reply(200, {"items": items, "generated_at": datetime.now(UTC).isoformat()})


def to_library_layout(record: dict[str, Any]) -> dict[str, Any]:
    """A unified ``enterprise_registration`` as the library writes the change (no SEQ yet)."""
    event = record.get("event")
    if event not in _EVENT_CODES:
        raise ValueError(f"event {event!r} is not one of {', '.join(_EVENT_CODES)}")
    change: dict[str, Any] = {layout.CHANGE_TYPE: _EVENT_CODES[event]}
    for fields in (TEXT_FIELDS, DATE_FIELDS):
        for source, target in fields.items():
            if record.get(target) is not None:
                change[source] = str(record[target])
    if industry := record.get("industry"):
        change["INDUSTRYCO"] = industry.get("code")
        change["INDUSTRY_EDITION"] = industry.get("edition")
    if scope := record.get("business_scope"):
        change["OPSCOPE"] = layout.compose_scope(scope.get("licensed_items"),
                                                 scope.get("general_items"))
    if changes := record.get("changes"):
        change["ALTITEMS"] = [{"ALTITEM": c.get("item"), "ALTBE": c.get("before"),
                               "ALTAF": c.get("after")} for c in changes]
    return change
