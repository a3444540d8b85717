"""``rest-push``: a webhook the system POSTs its records to (JSON object or array).

Endpoints (see :mod:`adapters.rest.webhook` for every answer):

- ``POST <path_prefix>/<record_type>`` (or ``POST <path_prefix>`` with the type in the
  ``X-Record-Type`` header or the config): 202 with the hub message ids once ``port.submit``
  returned; 401 for a missing or wrong bearer token (nothing submitted); 413 beyond
  ``max_body_bytes``; 400 for a body the hub cannot read, which is also quarantined with
  ``port.reject`` so nothing is lost; 503 with ``Retry-After`` while the hub cannot take records.
- ``GET <health_path>``: 200 while the adapter serves (no credentials needed).

The server is the standard library's threaded HTTP server, one connection per request, with
HTTPS when ``tls_certificate`` is given. ``stop`` stops accepting, then waits for requests in
flight to be answered (a client still sending is given up to ``request_timeout_seconds``).
"""

from __future__ import annotations

import threading
from typing import ClassVar

from adapters.rest.push_config import RestPushConfig
from adapters.rest.webhook import Webhook
from adapters.rest.webhook_server import WebhookServer, tls_context
from adapters.sdk import (
    Health,
    InboundAdapter,
    InboundPort,
    TransientError,
    resolve_secret,
)

__all__ = ["RestPushAdapter", "RestPushConfig"]


class RestPushAdapter(InboundAdapter[RestPushConfig]):
    """Serves the webhook; ``url`` is its base address once started."""

    kind: ClassVar[str] = "rest-push"
    mode = "rest"
    Config = RestPushConfig
    summary: ClassVar[str] = "Serve a webhook the system POSTs JSON records to."

    def __init__(self, config: RestPushConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self._server: WebhookServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """``http(s)://host:port`` of the running server (the bound port when configured 0)."""
        server = self._server
        if server is None:
            raise RuntimeError("the webhook is not started")
        return server.url

    def start(self) -> None:
        """Resolve the tokens and TLS files (ConfigError if missing) and open the server.

        TransientError if the address is taken (an old process may still be closing).
        """
        with self._lock:
            if self._server is not None:
                return
            tokens = [resolve_secret(ref).get_secret_value() for ref in self.config.tokens]
            webhook = Webhook(self.config, self.port, tokens, self.log)
            tls = None
            if self.config.tls_certificate is not None and self.config.tls_key is not None:
                tls = tls_context(self.config.tls_certificate, self.config.tls_key)
            try:
                server = WebhookServer((self.config.host, self.config.port), webhook, tls)
            except OSError as e:
                raise TransientError(
                    f"cannot listen on {self.config.host}:{self.config.port}: {e}"
                ) from e
            self._server = server
            self._thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.1},
                name=f"webhook:{self.system}", daemon=True,
            )
            self._thread.start()
            self.log.info("serving %s%s/<record_type>", self.url, self.config.path_prefix)

    def stop(self) -> None:
        """Stop accepting, answer the requests in flight, close the socket. Idempotent."""
        with self._lock:
            server, self._server = self._server, None
            thread, self._thread = self._thread, None
        if server is not None:
            server.shutdown()
            server.server_close()  # joins the request threads: in-flight requests get answers
        if thread is not None:
            thread.join()

    def health(self) -> Health:
        server = self._server
        if server is None:
            return Health(False, "not serving")
        return Health(True, f"serving on {server.url}; {server.app.last_outcome}")
