"""``rest-push``: a webhook the system POSTs its records to (JSON object or array).

Endpoints (see :mod:`adapters.rest.webhook` for every answer):

- ``POST <path_prefix>/<record_type>`` (or ``POST <path_prefix>`` with the type in the
  ``X-Record-Type`` header or the config): 202 with the hub message ids once ``port.submit``
  returned; 401 for a missing or wrong bearer token (nothing submitted, the body never read);
  413 beyond ``max_body_bytes``; 408 when the request takes longer than
  ``request_timeout_seconds`` to arrive; 400 for a body the hub cannot read, which is also
  quarantined with ``port.reject`` so nothing is lost; 503 with ``Retry-After`` while the hub
  cannot take records (or beyond ``max_concurrent_requests`` at once).
- ``GET <health_path>``: 200 while the adapter serves (no credentials needed).

Served by the hub's HTTP server (:mod:`adapters.sdk.http_server`, uvicorn): HTTPS with
``tls`` (mutual TLS with ``tls.client_ca``); plain HTTP only on loopback or
``behind_tls_proxy``. ``stop`` stops accepting, then waits for requests in flight to be
answered.
"""

from __future__ import annotations

import threading
from typing import ClassVar

from adapters.rest.push_config import RestPushConfig
from adapters.rest.webhook import Webhook
from adapters.rest.webhook_server import WebhookDoor
from adapters.sdk import (
    Health,
    InboundAdapter,
    InboundPort,
    TransientError,
    resolve_secret,
)
from adapters.sdk.http_door import DoorApp
from adapters.sdk.http_server import HttpServer, ServerLimits

__all__ = ["RestPushAdapter", "RestPushConfig"]


class RestPushAdapter(InboundAdapter[RestPushConfig]):
    """Serves the webhook; ``url`` is its base address once started."""

    kind: ClassVar[str] = "rest-push"
    mode = "rest"
    Config = RestPushConfig
    summary: ClassVar[str] = "Serve a webhook the system POSTs JSON records to."

    def __init__(self, config: RestPushConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self._server: HttpServer | None = None
        self._webhook: Webhook | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """``http(s)://host:port`` of the running server (the bound port when configured 0)."""
        server = self._server
        if server is None:
            raise RuntimeError("the webhook is not started")
        return server.url

    def start(self) -> None:
        """Resolve the tokens and TLS files (ConfigError if missing or unusable, or plain HTTP
        off loopback) and open the server.

        TransientError if the address is taken (an old process may still be closing).
        """
        with self._lock:
            if self._server is not None:
                return
            config = self.config
            tokens = [resolve_secret(ref).get_secret_value() for ref in config.tokens]
            webhook = Webhook(config, self.port, tokens, self.log)
            server = HttpServer(
                DoorApp(WebhookDoor(webhook), f"rest-push:{self.system}"), host=config.host, port=config.port,
                name=f"rest-push:{self.system}", tls=config.served_tls(),
                behind_tls_proxy=config.behind_tls_proxy,
                limits=ServerLimits(deadline_seconds=config.request_timeout_seconds,
                                    max_body_bytes=config.max_body_bytes,
                                    max_concurrent=config.max_concurrent_requests),
            )
            try:
                server.start()
            except OSError as e:
                raise TransientError(f"cannot listen on {config.host}:{config.port}: {e}") from e
            self._server, self._webhook = server, webhook
            self.log.info("serving %s%s/<record_type>", self.url, config.path_prefix)

    def stop(self) -> None:
        """Stop accepting, answer the requests in flight, close the socket. Idempotent."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    def health(self) -> Health:
        server, webhook = self._server, self._webhook
        if server is None or webhook is None:
            return Health(False, "not serving")
        if not server.running:
            return Health(False, "the server thread has stopped")
        return Health(True, f"serving on {server.url}; {webhook.last_outcome}")
