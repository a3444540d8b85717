"""The public credit platform (公共信用信息服务平台), simulated over HTTP on loopback.

- On :meth:`~CreditPlatformSimulator.emit` of a penalty, a discipline measure or an inspection
  result it pushes the record to the hub's ``rest-push`` webhook (retrying while the hub is
  away); an emitted ``credit_record`` is added to its credit-record feed instead.
- ``GET /credit-records?since=<seq>&limit=<n>``: the feed the hub's ``rest-pull`` takes,
  ``{"items": [{"seq", "updated_at", "record"}]}``; :meth:`~CreditPlatformSimulator.break_feed`
  makes it answer a broken page (bytes as given) from a position on, until it is fixed.
- ``GET /entities/<credit code>/credit-records``: the credit records of the feed about that
  entity, ``{"items": [record, ...]}``, or 404 when it holds none (the hub's
  ``records-lookup``, for live profiles);
- ``POST /supervision-results``: where the hub's ``rest-out`` delivers supervision results;
  stored once per ``Idempotency-Key``; ``inbox.answering(503 or 422)`` makes it refuse.

Credentials are per direction, all bearer tokens from :meth:`environment`.
"""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from adapters.simulators.rest_peer import (
    Reply,
    Request,
    bearer_ok,
    page_window,
    unauthorised,
)
from adapters.simulators.rest_system import PushingSystem


class CreditPlatformSimulator(PushingSystem):
    """Pushes supervision records to the hub, serves credit records, takes results."""

    system = "credit-platform"
    name = "公共信用信息服务平台"
    pushes = ("administrative_penalty", "discipline_measure", "inspection_result")
    subscribes = ("administrative_licence", "administrative_penalty", "discipline_measure")
    inbox_path = "/supervision-results"
    feed_path = "/credit-records"

    def __init__(self, *, push_port: int | None = None,
                 env_prefix: str = "CREDIT_PLATFORM") -> None:
        super().__init__(push_port=push_port, env_prefix=env_prefix,
                         extra_routes={("GET", self.feed_path): self._credit_records,
                                       ("GET", "/entities/"): self._entity_records})
        self.pull_variable = f"{env_prefix}_PULL_TOKEN"
        self.pull_token = secrets.token_urlsafe(16)
        self._lock = threading.Lock()
        self._feed: list[Any] = []
        self._broken: tuple[int, bytes] | None = None

    def environment(self) -> dict[str, str]:
        return {**super().environment(), self.pull_variable: self.pull_token}

    def connection(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": "rest",
            "provides": [*self.pushes, "credit_record"],
            "subscribes": list(self.subscribes),
            "inbound": [self.push_entry(), self.pull_entry()],
            "outbound": self.out_entry(),
            "lookup": self.lookup_config(),
        }

    def lookup_config(self) -> dict[str, Any]:
        """Settings for the hub's ``records-lookup`` (live profiles)."""
        return {"url": f"{self.server.url}/entities/{{credit_code}}/credit-records",
                "auth": {"type": "bearer", "token": f"env:{self.pull_variable}"}}

    def pull_entry(self) -> dict[str, Any]:
        """The ``rest-pull`` entry that takes the credit-record feed."""
        return {
            "kind": "rest-pull",
            "url": f"{self.server.url}{self.feed_path}",
            "auth": {"type": "bearer", "token": f"env:{self.pull_variable}"},
            "record_type": "credit_record",
            "cursor_field": "seq",
            "id_field": "record.record_id",
            "record_path": "record",
            "poll_seconds": 5.0,
        }

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        if record_type == "credit_record":
            self.add_feed_item(record)
        else:
            self.push(record, record_type)

    def add_feed_item(self, record: Any) -> None:
        """Append ``record`` to the credit-record feed, wrapped with its seq and time."""
        with self._lock:
            self._feed.append({"seq": len(self._feed) + 1,
                               "updated_at": datetime.now(UTC).isoformat(), "record": record})

    def add_raw_feed_item(self, item: Any) -> None:
        """Append ``item`` to the feed exactly as given (to serve a broken item)."""
        with self._lock:
            self._feed.append(item)

    def break_feed(self, body: bytes | None, since: int = 0) -> None:
        """Answer ``body`` verbatim to every feed request from ``since`` on (None: fixed)."""
        with self._lock:
            self._broken = None if body is None else (since, body)

    def _entity_records(self, request: Request) -> Reply:
        if not bearer_ok(request, self.pull_token):
            return unauthorised()
        parts = request.path.split("/")
        if len(parts) != 4 or parts[3] != "credit-records":
            return Reply(404, {"error": {"code": "not_found", "message": request.path}})
        code = unquote(parts[2])
        with self._lock:
            items = [item["record"] for item in self._feed if isinstance(item, dict)
                     and isinstance(item.get("record"), dict)
                     and item["record"].get("credit_code") == code]
        return Reply(200, {"items": items}) if items else Reply(404, {"error": {
            "code": "not_found", "message": f"no credit records about {code}"}})

    def _credit_records(self, request: Request) -> Reply:
        if not bearer_ok(request, self.pull_token):
            return unauthorised()
        window = page_window(request)
        if isinstance(window, Reply):
            return window
        since, limit = window
        with self._lock:
            if self._broken is not None and since >= self._broken[0]:
                return Reply(200, self._broken[1])
            return Reply(200, {"items": self._feed[since:][:limit]})
