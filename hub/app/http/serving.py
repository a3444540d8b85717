"""Serving one of the hub's HTTP APIs (the admin API, the information service's REST door) on
the hub's HTTP server, with TLS, and returning cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from adapters.sdk.http_options import TlsConfig
from adapters.sdk.http_server import Asgi, HttpServer, ServerLimits
from schemas.contract.errors import ConfigError


def serve_api(
    app: Asgi,
    *,
    name: str,
    host: str,
    port: int,
    limits: ServerLimits,
    ssl_certfile: Path | None = None,
    ssl_keyfile: Path | None = None,
    ssl_client_ca: Path | None = None,
    behind_tls_proxy: bool = False,
) -> None:
    """Run ``app`` on the hub's HTTP server (uvicorn, :mod:`adapters.sdk.http_server`: request
    deadline, body cap, bounded concurrency); return after a graceful stop on SIGINT or
    SIGTERM.

    Tokens travel in a header, so off loopback it serves over TLS (``ssl_certfile`` and
    ``ssl_keyfile``; with ``ssl_client_ca`` clients must present a certificate from that CA)
    unless ``behind_tls_proxy``: plain HTTP on another address is a :class:`ConfigError`.
    uvicorn's access log records method, path and status, never headers, so tokens stay out of
    the log. Raises :class:`ConfigError` for bad TLS files and whatever the app's start raises.
    """
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise ConfigError("give both the TLS certificate and its key, or neither")
    if ssl_client_ca is not None and ssl_certfile is None:
        raise ConfigError("client certificates (mutual TLS) need a server certificate and key")
    tls = None
    if ssl_certfile is not None and ssl_keyfile is not None:
        tls = TlsConfig(cert=f"file:{ssl_certfile}", key=f"file:{ssl_keyfile}",
                        client_ca=f"file:{ssl_client_ca}" if ssl_client_ca else None)
    server = HttpServer(app, host=host, port=port, name=name, tls=tls,
                        behind_tls_proxy=behind_tls_proxy, limits=limits, lifespan=True)
    with _signals_end_cleanly():
        server.serve_forever()


@contextmanager
def _signals_end_cleanly() -> Iterator[None]:
    """Let a stop signal end :func:`serve` by returning, as ``hub run`` exits 0 on one.

    uvicorn stops gracefully on SIGINT/SIGTERM and then raises the signal again for the handler
    it found installed, which by default would end the process with the signal (or raise
    KeyboardInterrupt). The handler installed here ignores that second delivery.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread; uvicorn skips them too
        return
    previous = {sig: signal.signal(sig, _ignore) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore(_signal: int, _frame: FrameType | None) -> None:
    return
