"""The monitoring endpoint: ``/metrics``, ``/healthz`` and ``/readyz`` on one port.

- ``/metrics``: the registry in Prometheus' text format (OpenMetrics when the scraper asks).
- ``/healthz``: 200 while the process serves requests: it is alive.
- ``/readyz``: 200 when every component the readiness callback reports is ready (the broker
  connection of each consumer, every adapter started), 503 otherwise; the JSON body names each
  component and its state either way, so an operator sees what is missing, and, for
  information only, whether each external system answers its adapter (a system that is down
  is retried and alerted on; it does not make the hub unready).
Anything else is 404. Served by a small threaded WSGI server on a daemon thread: a slow scrape
never holds up the hub's loops, and the hub never waits for it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.registry import CollectorRegistry

log = logging.getLogger(__name__)

Readiness = Callable[[], Mapping[str, bool]]
StartResponse = Callable[..., Any]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class MonitorApp:
    """The WSGI application behind the endpoint."""

    def __init__(self, registry: CollectorRegistry, readiness: Readiness,
                 systems: Readiness = dict) -> None:
        self._metrics = make_wsgi_app(registry)
        self._readiness = readiness
        self._systems = systems
        self._started = time.monotonic()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self._metrics(environ, start_response)
        if path == "/healthz":
            uptime = round(time.monotonic() - self._started, 3)
            return _json(start_response, 200, {"status": "alive", "pid": os.getpid(),
                                               "uptime_seconds": uptime})
        if path == "/readyz":
            components = dict(self._readiness())
            ready = bool(components) and all(components.values())
            return _json(start_response, 200 if ready else 503,
                         {"ready": ready, "components": components,
                          "systems": dict(self._systems())})
        return _json(start_response, 404, {"error": {"code": "not_found", "path": path}})


class MonitorServer:
    """Serves a :class:`MonitorApp` on ``host:port`` (port 0: any free port) until closed."""

    def __init__(self, app: MonitorApp, host: str, port: int) -> None:
        self._server = make_server(host, port, app, server_class=_ThreadingServer,
                                   handler_class=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="monitor-http",
                                        daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()


def _json(start_response: StartResponse, status: int, document: object) -> list[bytes]:
    body = json.dumps(document, ensure_ascii=False).encode()
    reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
    start_response(f"{status} {reason}", [("Content-Type", "application/json"),
                                          ("Content-Length", str(len(body)))])
    return [body]
