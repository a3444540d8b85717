"""What the REST-speaking simulated systems share: they push records to the hub's
``rest-push`` webhook and receive envelopes from the hub's ``rest-out`` in an :class:`Inbox`.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from adapters.sdk.adapter_errors import PermanentError
from adapters.simulators.ports import free_port
from adapters.simulators.rest_peer import (
    JsonServer,
    Reply,
    Request,
    Route,
    bearer_ok,
    unauthorised,
)


class Inbox:
    """Envelopes the hub delivers with ``rest-out``: stored once per ``Idempotency-Key``.

    ``answering(status)`` makes it refuse every delivery (503: transient, 422: permanent).
    """

    def __init__(self, token: str) -> None:
        self._token = token
        self._lock = threading.Lock()
        self._by_key: dict[str, dict[str, Any]] = {}
        self.forced_status: int | None = None
        self.deliveries = 0

    def __call__(self, request: Request) -> Reply:
        if not bearer_ok(request, self._token):
            return unauthorised()
        if self.forced_status is not None:
            return Reply(self.forced_status, {"error": {"code": "simulated_refusal"}})
        key = request.headers.get("Idempotency-Key")
        try:
            envelope = json.loads(request.body)
        except ValueError:
            return Reply(400, {"error": {"code": "malformed", "message": "not JSON"}})
        if not key or not isinstance(envelope, dict):
            return Reply(400, {"error": {"code": "malformed", "message": "need Idempotency-Key "
                                         "and an envelope object"}})
        with self._lock:
            self.deliveries += 1
            if key in self._by_key:
                return Reply(200, {"status": "duplicate", "key": key})
            self._by_key[key] = envelope
        return Reply(201, {"status": "stored", "key": key})

    @contextmanager
    def answering(self, status: int) -> Iterator[None]:
        self.forced_status = status
        try:
            yield
        finally:
            self.forced_status = None

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._by_key.values())

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._by_key)


class PushFailed(PermanentError):
    """The hub did not take a pushed record (refused it, or stayed away too long).

    Permanent: the pusher has already retried for its whole patience. Not a ``RuntimeError``
    any more; nothing caught it as one.
    """

    def __init__(self, message: str, answer: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.answer = answer


class Pusher:
    """POSTs records to the hub's webhook as the system does: retrying while the hub is away or
    answers 503 (honouring ``Retry-After`` up to ``max_wait``) for ``patience`` seconds."""

    def __init__(self, port: int, token: str, *, patience: float = 15.0,
                 max_wait: float = 0.5) -> None:
        self.base = f"http://127.0.0.1:{port}/records"
        self._token = token
        self.patience = patience
        self.max_wait = max_wait
        self.answers: list[dict[str, Any]] = []

    def push(self, record_type: str, body: bytes) -> dict[str, Any]:
        """The webhook's 202 answer; :class:`PushFailed` for a 4xx or when patience ran out."""
        deadline = time.monotonic() + self.patience
        headers = {"Authorization": f"Bearer {self._token}",
                   "Content-Type": "application/json; charset=utf-8"}
        while True:
            wait = self.max_wait
            try:
                response = requests.post(f"{self.base}/{record_type}", data=body,
                                         headers=headers, timeout=10)
            except requests.ConnectionError:
                response = None
            if response is not None and response.status_code < 500:
                answer: dict[str, Any] = response.json()
                self.answers.append(answer)
                if response.status_code != 202:
                    raise PushFailed(f"the hub answered {response.status_code}", answer)
                return answer
            if response is not None:
                wait = min(self.max_wait, float(response.headers.get("Retry-After") or wait))
            if time.monotonic() + wait > deadline:
                raise PushFailed(f"the hub did not take the record within {self.patience}s")
            time.sleep(wait)


class PushingSystem:
    """A system that pushes ``pushes`` record types to the hub's webhook on ``push_port`` and
    takes the hub's deliveries at ``inbox_path`` of its own server.

    Subclasses set the class attributes and implement ``emit``; ``extra_routes`` adds
    endpoints of their own to the server.
    """

    system: str
    name: str
    pushes: tuple[str, ...]
    subscribes: tuple[str, ...]
    inbox_path: str
    #: Dotted path to each pushed record's own id (the source message id), if it has one.
    id_field: str | None = None

    def __init__(self, *, push_port: int | None, env_prefix: str,
                 extra_routes: dict[tuple[str, str], Route] | None = None) -> None:
        self.push_port = push_port or free_port()
        self.push_variable = f"{env_prefix}_PUSH_TOKEN"
        self.out_variable = f"{env_prefix}_OUT_TOKEN"
        self.push_token = secrets.token_urlsafe(16)
        self.out_token = secrets.token_urlsafe(16)
        self.inbox = Inbox(self.out_token)
        self.server = JsonServer({("POST", self.inbox_path): self.inbox, **(extra_routes or {})})
        self.pusher = Pusher(self.push_port, self.push_token)

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()

    def environment(self) -> dict[str, str]:
        return {self.push_variable: self.push_token, self.out_variable: self.out_token}

    def received(self) -> list[dict[str, Any]]:
        return self.inbox.received()

    def push_entry(self) -> dict[str, Any]:
        """The ``rest-push`` inbound adapter entry the system pushes to."""
        entry: dict[str, Any] = {
            "kind": "rest-push",
            "host": "127.0.0.1",
            "port": self.push_port,
            "tokens": [f"env:{self.push_variable}"],
            "record_types": list(self.pushes),
        }
        if self.id_field is not None:
            entry["id_field"] = self.id_field
        return entry

    def out_entry(self) -> dict[str, Any]:
        """The ``rest-out`` outbound adapter entry that delivers to the inbox."""
        return {
            "kind": "rest-out",
            "url": f"{self.server.url}{self.inbox_path}",
            "token": f"env:{self.out_variable}",
            "timeout_seconds": 5.0,
        }

    def push(self, record: dict[str, Any], record_type: str) -> dict[str, Any]:
        """Push ``record``; the webhook's answer. :class:`PushFailed` if not taken."""
        if record_type not in self.pushes:
            raise ValueError(f"{self.system} pushes {', '.join(self.pushes)}, not {record_type}")
        body = json.dumps(record, ensure_ascii=False).encode("utf-8")
        return self.pusher.push(record_type, body)

    def push_raw(self, body: bytes, record_type: str, *,
                 token: str | None = None) -> tuple[int, dict[str, Any]]:
        """POST ``body`` once as given (broken JSON, a wrong token...): (status, JSON answer)."""
        response = requests.post(
            f"{self.pusher.base}/{record_type}", data=body, timeout=10,
            headers={"Authorization": f"Bearer {token or self.push_token}",
                     "Content-Type": "application/json"},
        )
        return response.status_code, response.json()
