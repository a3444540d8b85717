"""``hub admin serve``: the JSON HTTP admin API (needs the ``admin`` extra)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from hub.app.cli.shared import CliState, exit_codes

F = TypeVar("F", bound=Callable[..., Any])


@click.group("admin")
def admin() -> None:
    """The JSON HTTP admin API."""


def tls_options(prefix: str) -> Callable[[F], F]:
    """The TLS options of a command that serves HTTP, each also read from ``<prefix>_...``."""

    def decorate(command: F) -> F:
        for option in reversed([
            click.option("--ssl-certfile", envvar=f"{prefix}_SSL_CERTFILE",
                         type=click.Path(dir_okay=False, exists=True, path_type=Path),
                         help=f"PEM certificate chain to serve HTTPS with [env {prefix}_SSL_CERTFILE]."),
            click.option("--ssl-keyfile", envvar=f"{prefix}_SSL_KEYFILE",
                         type=click.Path(dir_okay=False, exists=True, path_type=Path),
                         help=f"PEM key of the certificate [env {prefix}_SSL_KEYFILE]."),
            click.option("--ssl-client-ca", envvar=f"{prefix}_SSL_CLIENT_CA",
                         type=click.Path(dir_okay=False, exists=True, path_type=Path),
                         help="Require client certificates from this CA (mutual TLS) "
                         f"[env {prefix}_SSL_CLIENT_CA]."),
            click.option("--behind-tls-proxy", envvar=f"{prefix}_BEHIND_TLS_PROXY", is_flag=True,
                         help="Plain HTTP off loopback: a proxy terminates TLS in front "
                         f"[env {prefix}_BEHIND_TLS_PROXY]."),
        ]):
            command = option(command)
        return command

    return decorate


@admin.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8470, show_default=True, type=int)
@tls_options("HUB_ADMIN")
@click.pass_obj
def serve(
    state: CliState, host: str, port: int, ssl_certfile: Path | None, ssl_keyfile: Path | None,
    ssl_client_ca: Path | None, behind_tls_proxy: bool,
) -> None:
    """Serve dead letters, retry, replay, trace, timeline and audit over HTTP (JSON).

    Tokens: HUB_ADMIN_TOKENS=actor:role:token[,...], role viewer (read) or operator (also retry
    and replay); the old actor:token means viewer. The caller's actor is audited. Anywhere but
    loopback it needs TLS (--ssl-certfile, --ssl-keyfile) or --behind-tls-proxy, else it exits 2.
    Exits 0 on SIGTERM/SIGINT.
    """
    from hub.app.http.admin_api import serve as serve_api
    from hub.app.http.auth import tokens_from_environment
    from hub.journal import JournalUnavailable

    with exit_codes():
        try:
            serve_api(
                state.hub(), host=host, port=port, tokens=tokens_from_environment(),
                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile, ssl_client_ca=ssl_client_ca,
                behind_tls_proxy=behind_tls_proxy,
            )
        except JournalUnavailable as e:
            click.echo(f"journal unavailable: {e}", err=True)
            sys.exit(3)
