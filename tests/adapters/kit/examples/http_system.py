"""A small HTTP system on loopback that stores JSON records, for the rest-out conformance run.

``PUT``/``POST`` store the body under its ``Idempotency-Key`` header (a repeat replaces it, as
an idempotent system would); ``mode`` makes every request answer 503 (an outage) or 422 (a
refusal). The server runs on its own thread from ``start`` to ``stop``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class RecordStore(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.records: dict[str, dict[str, Any]] = {}
        self.mode = "normal"
        self.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="record-store",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/records"

    def start(self) -> RecordStore:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()

    @contextmanager
    def answering(self, mode: str) -> Iterator[None]:
        self.mode = mode
        try:
            yield
        finally:
            self.mode = "normal"


class _Handler(BaseHTTPRequestHandler):
    server: RecordStore
    protocol_version = "HTTP/1.1"

    def _store(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        status = {"outage": 503, "refusing": 422}.get(self.server.mode, 204)
        if status == 204:
            key = self.headers.get("Idempotency-Key") or str(len(self.server.records))
            with self.server.lock:
                self.server.records[key] = json.loads(body)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST = _store

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


class RestOutHarness:
    """An :class:`~adapters.testing.OutboundHarness` for the built-in ``rest-out``."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def config(self) -> dict[str, Any]:
        return {"kind": "rest-out", "url": self.store.url, "token": "env:KIT_REST_OUT_TOKEN",
                "timeout_seconds": 2}

    def received(self) -> list[str]:
        with self.store.lock:
            return [record["content_hash"] for record in self.store.records.values()]

    def outage(self) -> Any:
        return self.store.answering("outage")

    def refusing(self) -> Any:
        return self.store.answering("refusing")
