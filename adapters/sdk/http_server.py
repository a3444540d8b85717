"""One production HTTP server for every door of the hub: uvicorn, run in a thread or in front.

Why uvicorn: it is the ASGI server the admin API already ran on, well kept, small (h11 and
click), and it brings what the doors need instead of hand-hardened ``http.server`` code: TLS
(with client certificates), an asyncio loop where a slow client costs a socket and not a
thread, a connection limit and graceful shutdown. :mod:`adapters.sdk.http_guard` adds the
whole-request deadline, the body cap and the limit on requests in progress.

Contract of :class:`HttpServer`:
- :meth:`~HttpServer.start` refuses plain HTTP off loopback (:class:`ConfigError`, see
  :func:`~adapters.sdk.http_options.check_exposure`), loads the TLS files (ConfigError if
  unusable), binds (``OSError`` if the address is taken) and returns once it is listening;
- :meth:`~HttpServer.stop` stops accepting, lets requests in progress finish (up to
  ``drain_seconds``) and releases the port; idempotent;
- :meth:`~HttpServer.serve_forever` serves in the calling thread until SIGINT/SIGTERM (for a
  process that is only a server, as ``hub admin serve``).

Doors that handle requests synchronously (they call the hub's port, which blocks) implement
:class:`Door` and are served by :func:`door_app`: credentials and headers are checked in
``admit`` before one byte of the body is read; ``handle`` then runs on a thread per request,
at most ``max_concurrent`` at once, so the threads are bounded whatever the clients do.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn

from adapters.sdk.http_door import DoorApp
from adapters.sdk.http_guard import (
    Asgi,
    ErrorFormat,
    Guard,
    deadline_protocol,
    json_error,
)
from adapters.sdk.http_options import TlsConfig, check_exposure
from schemas.contract.errors import ConfigError, TransientError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerLimits:
    """Bounds of one server. ``max_connections`` open at once (beyond: 503); ``max_concurrent``
    requests in progress (beyond: 503 at once), or for a :class:`Door` requests being handled
    (each on a thread)."""

    deadline_seconds: float = 30.0
    max_body_bytes: int = 1024 * 1024
    max_concurrent: int = 32
    max_connections: int = 512
    drain_seconds: float = 30.0


class HttpServer:
    """Serves one ASGI application (or a :class:`Door`, see :func:`door_app`) on host:port."""

    def __init__(self, app: Asgi, *, host: str, port: int, name: str,
                 tls: TlsConfig | None = None, behind_tls_proxy: bool = False,
                 limits: ServerLimits | None = None, errors: ErrorFormat = json_error,
                 lifespan: bool = False) -> None:
        self.host, self.port, self.name = host, port, name
        self.tls, self.behind_tls_proxy = tls, behind_tls_proxy
        self.limits = limits or ServerLimits()
        self._app, self._errors = app, errors
        self._lifespan: Literal["on", "off"] = "on" if lifespan else "off"  # startup/shutdown
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def bound_port(self) -> int:
        """The port listened on (the one chosen when configured as 0)."""
        if self._socket is None:
            raise RuntimeError(f"{self.name} is not started")
        return int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        """``http(s)://host:port`` as seen from this machine."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        host = "::1" if host == "::" else host
        host = f"[{host}]" if ":" in host else host
        return f"{'https' if self.tls else 'http'}://{host}:{self.bound_port}"

    def start(self) -> None:
        """Listen in a thread of its own; return once listening (module docstring)."""
        if self._server is not None:
            return
        server = self._prepare()
        thread = threading.Thread(target=server.run, kwargs={"sockets": [self._socket]},
                                  name=f"{self.name}:{self.bound_port}", daemon=True)
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            self.stop()
            raise TransientError(f"{self.name}: the server did not start")

    def serve_forever(self) -> None:
        """Serve in this thread until SIGINT or SIGTERM, then stop gracefully."""
        server = self._prepare()
        self._server = server
        try:
            server.run(sockets=[self._socket] if self._socket else None)
        finally:
            self._release()

    def stop(self) -> None:
        """Stop accepting, answer the requests in progress, release the port. Idempotent."""
        server, thread = self._server, self._thread
        self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(self.limits.drain_seconds + 5)
            if thread.is_alive():
                log.warning("%s: still answering requests after %.0f s",
                            self.name, self.limits.drain_seconds)
        self._release()

    def _release(self) -> None:
        self._server = None
        sock, self._socket = self._socket, None
        if sock is not None:
            sock.close()

    def _prepare(self) -> uvicorn.Server:
        check_exposure(self.name, self.host, self.tls, self.behind_tls_proxy)
        limits = self.limits
        in_progress = limits.max_concurrent
        if isinstance(self._app, DoorApp):
            # A door bounds its handling threads itself; requests still arriving cost no
            # thread, so only the connection limit bounds them (and the deadline ends them).
            self._app.max_threads, self._app.errors = limits.max_concurrent, self._errors
            in_progress = limits.max_connections
        guarded = Guard(self._app, deadline_seconds=limits.deadline_seconds,
                        max_body_bytes=limits.max_body_bytes,
                        max_concurrent=in_progress, errors=self._errors)
        cert, key, client_ca = self.tls.files() if self.tls else (None, None, None)
        config = uvicorn.Config(
            guarded, host=self.host, port=self.port, lifespan=self._lifespan,
            http=deadline_protocol(limits.deadline_seconds, self._errors),
            limit_concurrency=limits.max_connections, timeout_keep_alive=5,
            # asyncio's own loop, also where uvloop is installed: the TLS handshake bound of
            # _HandshakeBoundedServer is set on it.
            loop="asyncio",
            timeout_graceful_shutdown=int(limits.drain_seconds),
            ssl_certfile=str(cert) if cert else None, ssl_keyfile=str(key) if key else None,
            ssl_ca_certs=str(client_ca) if client_ca else None,
            ssl_cert_reqs=ssl.CERT_REQUIRED if client_ca else ssl.CERT_NONE,
            # The process configures logging; uvicorn must not replace it. The access log
            # records method, path and status, never headers (credentials stay out of logs).
            log_config=None, server_header=False,
        )
        try:
            config.load()
        except (OSError, ssl.SSLError) as e:
            raise ConfigError(f"{self.name}: cannot serve HTTPS with {cert} and {key}"
                              f"{f' (client CA {client_ca})' if client_ca else ''}: {e}") from e
        self._socket = _bind(self.host, self.port)
        return _HandshakeBoundedServer(config, handshake_seconds=limits.deadline_seconds)


class _HandshakeBoundedServer(uvicorn.Server):
    """A uvicorn server whose TLS handshakes must finish within ``handshake_seconds``.

    uvicorn gives asyncio no handshake timeout, and asyncio's default is 60 s. Its connection
    limit counts only connections that finished the handshake. So a client that connects and
    never starts TLS would hold a socket for a minute, and many of them would exhaust the
    process's file descriptors. The bound is added to the one ``create_server`` call that
    uvicorn's start-up makes on this server's own event loop, and only for TLS.
    """

    def __init__(self, config: uvicorn.Config, *, handshake_seconds: float) -> None:
        super().__init__(config)
        self.handshake_seconds = handshake_seconds

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        loop = asyncio.get_running_loop()
        create_server = loop.create_server

        def bounded(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("ssl") is not None:
                kwargs.setdefault("ssl_handshake_timeout", self.handshake_seconds)
            return create_server(*args, **kwargs)

        loop.create_server = bounded  # type: ignore[method-assign]
        try:
            await super().startup(sockets)
        finally:
            del loop.create_server  # the loop's own method again


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host.strip("[]"), port), family=family, backlog=128)
    sock.set_inheritable(True)
    return sock
