"""``hub admin serve``: the JSON HTTP admin API (needs the ``admin`` extra)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.app.cli.shared import CliState, exit_codes


@click.group("admin")
def admin() -> None:
    """The JSON HTTP admin API."""


@admin.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8470, show_default=True, type=int)
@click.option("--ssl-certfile", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--ssl-keyfile", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.pass_obj
def serve(
    state: CliState, host: str, port: int, ssl_certfile: Path | None, ssl_keyfile: Path | None
) -> None:
    """Serve dead letters, retry, replay, trace, timeline and audit over HTTP (JSON).

    Tokens: HUB_ADMIN_TOKENS=actor:role:token[,...], role viewer (read) or operator (also retry
    and replay); the old actor:token means viewer. The caller's actor is audited. Use TLS
    (--ssl-certfile, --ssl-keyfile) anywhere but loopback. Exits 0 on SIGTERM/SIGINT.
    """
    try:
        from hub.app.http.admin_api import serve as serve_api
        from hub.app.http.auth import tokens_from_environment
    except ImportError:
        click.echo("the admin API needs: pip install 'supervision-hub[admin]'", err=True)
        sys.exit(2)
    from hub.journal import JournalUnavailable

    with exit_codes():
        try:
            serve_api(
                state.hub(), host=host, port=port, tokens=tokens_from_environment(),
                ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
            )
        except JournalUnavailable as e:
            click.echo(f"journal unavailable: {e}", err=True)
            sys.exit(3)
