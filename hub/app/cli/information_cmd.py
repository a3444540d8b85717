"""``hub information serve``: the information service's REST, SOAP and AMQP doors."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click

from hub.app.cli.admin_serve import tls_options
from hub.app.cli.shared import CliState, exit_codes


@click.group("information")
def information() -> None:
    """The information service: platforms and departments ask about an entity."""


@information.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8471, show_default=True, type=int)
@click.option("--access", "access_file", envvar="HUB_INFORMATION_ACCESS", required=True,
              type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="The callers' access policy (YAML; see hub/information/access.py) "
              "[env HUB_INFORMATION_ACCESS].")
@click.option("--soap-port", default=8472, show_default=True, type=int,
              help="Port of the SOAP door (path /soap/information, WSDL on ?wsdl); 0: none.")
@click.option("--amqp/--no-amqp", default=True, show_default=True,
              help="Also answer questions published to hub.information on the hub's broker.")
@tls_options("HUB_INFORMATION")
@click.pass_obj
def serve(
    state: CliState, host: str, port: int, access_file: Path, soap_port: int, amqp: bool,
    ssl_certfile: Path | None, ssl_keyfile: Path | None, ssl_client_ca: Path | None,
    behind_tls_proxy: bool,
) -> None:
    """Serve the profile, the joint-discipline check and the searches over HTTP (JSON, with
    /openapi.json), to the callers of the access policy, each with its own bearer token; over
    SOAP 1.1 on --soap-port (WS-Security UsernameToken or HTTP Basic: caller id and token); and,
    unless --no-amqp, over AMQP request-reply (exchange hub.information; the caller known by
    its broker-checked user_id, the answer to its reply_to).

    Anywhere but loopback it needs TLS (--ssl-certfile, --ssl-keyfile) or --behind-tls-proxy,
    else it exits 2; so does a policy whose token references do not resolve. Exits 0 on
    SIGTERM/SIGINT.
    """
    from adapters.sdk.http_options import TlsConfig
    from hub.app.amqp.information_door import door_running
    from hub.app.http.information_api import INFORMATION_LIMITS, create_app
    from hub.app.http.information_soap import soap_door_running
    from hub.app.http.serving import serve_api
    from hub.information.access import AccessPolicy

    tls = None
    if ssl_certfile is not None and ssl_keyfile is not None:
        tls = TlsConfig(cert=f"file:{ssl_certfile}", key=f"file:{ssl_keyfile}",
                        client_ca=f"file:{ssl_client_ca}" if ssl_client_ca else None)
    with exit_codes(), ExitStack() as doors:
        hub, policy = state.hub(), AccessPolicy.load(access_file)
        app = create_app(hub, policy)
        if soap_port:
            soap = doors.enter_context(soap_door_running(
                hub, policy, host=host, port=soap_port, tls=tls,
                behind_tls_proxy=behind_tls_proxy))
            click.echo(f"information service: SOAP on {soap.url} (WSDL: {soap.url}?wsdl)",
                       err=True)
        if amqp:
            doors.enter_context(door_running(hub, policy))
            click.echo("information service: AMQP on exchange hub.information", err=True)
        serve_api(app, name="information service", host=host, port=port,
                  limits=INFORMATION_LIMITS, ssl_certfile=ssl_certfile,
                  ssl_keyfile=ssl_keyfile, ssl_client_ca=ssl_client_ca,
                  behind_tls_proxy=behind_tls_proxy)
