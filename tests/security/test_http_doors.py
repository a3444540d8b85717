"""Attacks on the hub's HTTP doors (soap-serve, rest-push, the admin API's server), each
against the real server on loopback: refused, nothing lost, legitimate traffic still served."""

from __future__ import annotations

import base64
import os
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from click.testing import CliRunner
from pydantic import ValidationError

from adapters.rest.push import RestPushAdapter, RestPushConfig
from adapters.sdk import ConfigError, InboundPort
from adapters.sdk.http_guard import Message, Receive, Scope, Send
from adapters.sdk.http_server import HttpServer, ServerLimits
from adapters.soap.credentials import Callers, UsernameToken
from adapters.soap.serve import SoapServeConfig
from adapters.testing import RecordingPort
from adapters.testing.certificates import CertificateAuthority, CertifiedKey
from schemas.contract.errors import ConfigError as ContractConfigError
from tests.adapters.soap.conftest import (
    CALLER,
    PASSWORD,
    digest_token,
    fault_of,
    serve_adapter,
    serve_config,
    soap_request,
    submit_record,
)
from tests.security.tls_support import Slowloris, raw_exchange, status_of

TOKEN = "push-token-for-attacks"
LICENCE = b'{"licence_number": "JY1", "holder_name": "x"}'


@pytest.fixture
def caller_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ATTACK_SOAP_CALLER", PASSWORD)
    return "ATTACK_SOAP_CALLER"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority.create(folder, "district test CA")
    other = CertificateAuthority.create(folder, "somebody else's CA")
    return {"ca": ca, "server": ca.issue(folder, "hub", hosts=["127.0.0.1", "localhost"]),
            "client": ca.issue(folder, "department", client=True),
            "stranger": other.issue(folder, "stranger", client=True)}


def push_adapter(monkeypatch: pytest.MonkeyPatch, port: RecordingPort,
                 **options: Any) -> RestPushAdapter:
    monkeypatch.setenv("ATTACK_PUSH_TOKEN", TOKEN)
    config = RestPushConfig.model_validate({"kind": "rest-push", "port": 0,
                                            "tokens": ["env:ATTACK_PUSH_TOKEN"], **options})
    adapter = RestPushAdapter(config, system="service-hall", port=cast(InboundPort, port))
    adapter.start()
    return adapter


@pytest.fixture
def pushed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[RestPushAdapter, RecordingPort]]:
    port = RecordingPort("service-hall")
    adapter = push_adapter(monkeypatch, port, request_timeout_seconds=2.0,
                           max_body_bytes=64 * 1024, max_concurrent_requests=4)
    yield adapter, port
    adapter.stop()


def legit_push(adapter: RestPushAdapter, **kwargs: Any) -> requests.Response:
    return requests.post(f"{adapter.url}/records/administrative_licence", data=LICENCE,
                         headers={"Authorization": f"Bearer {TOKEN}",
                                  "Content-Type": "application/json"}, timeout=5, **kwargs)


# --- plain HTTP off loopback -------------------------------------------------------------------


@pytest.mark.parametrize("model, options", [
    (RestPushConfig, {"kind": "rest-push", "port": 8441, "tokens": ["env:T"]}),
    (SoapServeConfig, {"kind": "soap-serve", "port": 8431, "callers": {"c": "env:T"}}),
])
def test_plain_http_off_loopback_is_refused_at_config_time(model: Any, options: dict[str, Any],
                                                            pki: dict[str, Any]) -> None:
    for host in ("0.0.0.0", "10.1.2.3", "::"):
        with pytest.raises(ValidationError, match="refusing plain HTTP"):
            model.model_validate({**options, "host": host})
    server: CertifiedKey = pki["server"]
    tls = {"cert": f"file:{server.cert}", "key": f"file:{server.key}"}
    assert model.model_validate({**options, "host": "0.0.0.0", "tls": tls}).tls is not None
    assert model.model_validate({**options, "host": "0.0.0.0", "behind_tls_proxy": True})
    with pytest.raises(ValidationError, match="file:"):
        model.model_validate({**options, "host": "0.0.0.0",
                              "tls": {"cert": str(server.cert), "key": str(server.key)}})


def test_the_shared_server_and_hub_admin_serve_refuse_plain_http_off_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ContractConfigError, match="refusing to serve plain HTTP"):
        HttpServer(_echo, host="0.0.0.0", port=0, name="test").start()
    from hub.app.cli import main

    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_ADMIN_TOKENS", "ops:" + "t" * 24)
    result = CliRunner().invoke(main, ["admin", "serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2, result.output
    assert "refusing to serve plain HTTP" in result.output


# --- TLS and mutual TLS ------------------------------------------------------------------------


def test_tls_serves_with_the_right_certificate_and_mutual_tls_refuses_strangers(
    monkeypatch: pytest.MonkeyPatch, pki: dict[str, Any]
) -> None:
    ca: CertificateAuthority = pki["ca"]
    client, stranger = pki["client"], pki["stranger"]
    port = RecordingPort("service-hall")
    adapter = push_adapter(monkeypatch, port, host="127.0.0.1",
                           tls=pki["server"].tls(client_ca=ca).model_dump())
    try:
        assert adapter.url.startswith("https://")
        ok = legit_push(adapter, verify=str(ca.cert), cert=(str(client.cert), str(client.key)))
        assert ok.status_code == 202
        for refused in ({}, {"cert": (str(stranger.cert), str(stranger.key))}):
            # TLS 1.3: the client learns of the refusal as an SSL alert or a closed connection.
            with pytest.raises(requests.exceptions.ConnectionError):
                legit_push(adapter, verify=str(ca.cert), **refused)
        with pytest.raises(requests.exceptions.ConnectionError):  # plain HTTP to the TLS port
            requests.post(adapter.url.replace("https", "http") + "/records/x", timeout=5)
        assert len(port.submitted) == 1 and port.rejected == []
    finally:
        adapter.stop()


def test_a_client_that_never_starts_tls_is_cut_off_at_the_deadline(pki: dict[str, Any]) -> None:
    """asyncio would wait 60 s for a handshake; the server bounds it by its deadline, so idle
    sockets cannot pile up below the connection limit (which counts finished handshakes)."""
    server = HttpServer(_echo, host="127.0.0.1", port=0, name="echo", tls=pki["server"].tls(),
                        limits=ServerLimits(deadline_seconds=1.5))
    server.start()
    try:
        idle = socket.create_connection(("127.0.0.1", server.bound_port), timeout=10)
        started = time.monotonic()
        try:
            closed = idle.recv(1) == b""  # the server hangs up: end of stream
        except ConnectionResetError:
            closed = True
        waited = time.monotonic() - started
        idle.close()
        assert closed and waited < 6, f"still open after {waited:.1f} s"
        assert requests.post(server.url, data=b"ok", verify=str(pki["ca"].cert),
                             timeout=5).text == "2", "a real client is still served"
    finally:
        server.stop()


def test_unusable_tls_files_stop_start_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "cert.pem").write_text("not a certificate")
    tls = {"cert": f"file:{tmp_path / 'cert.pem'}", "key": f"file:{tmp_path / 'cert.pem'}"}
    with pytest.raises(ConfigError, match="cannot serve HTTPS"):
        push_adapter(monkeypatch, RecordingPort("service-hall"), tls=tls)


# --- slow clients, endless bodies, credentials before the body ---------------------------------


def test_slow_clients_do_not_stop_a_legitimate_one(caller_env: str) -> None:
    port = RecordingPort("city-platform")
    adapter = serve_adapter(serve_config(caller_env, read_timeout_seconds=3.0,
                                         max_concurrent_requests=4), port)
    adapter.start()
    try:
        url = adapter.url
        slow_head = Slowloris(url, b"POST /soap/exchange HTTP/1.1\r\nHost: x\r\n", 6, pause=0.5)
        slow_body = Slowloris(url, b"POST /soap/exchange HTTP/1.1\r\nHost: x\r\nContent-Type: "
                              b"text/xml\r\nContent-Length: 100000\r\n\r\n<", 6, pause=0.5)
        with slow_head.running(), slow_body.running():
            for _ in range(3):
                started = time.monotonic()
                answer = requests.post(url, data=soap_request(submit_record()), timeout=5,
                                       headers={"Content-Type": "text/xml"})
                assert answer.status_code == 200, answer.content
                assert time.monotonic() - started < 2
            time.sleep(4)  # past the deadline: the server has ended every slow connection
            assert slow_head.closed == 6 and slow_body.closed == 6
        assert all(status_of(a) in (0, 408) for a in slow_head.answers + slow_body.answers)
        assert any(status_of(a) == 408 for a in slow_body.answers)
        assert len(port.submitted) == 3 and port.rejected == []
    finally:
        adapter.stop()


def test_a_never_ending_body_is_ended_by_the_deadline(
    pushed: tuple[RestPushAdapter, RecordingPort]
) -> None:
    adapter, port = pushed
    drip = Slowloris(adapter.url, "POST /records/administrative_licence HTTP/1.1\r\nHost: x\r\n"
                     f"Authorization: Bearer {TOKEN}\r\nContent-Length: 60000\r\n\r\n".encode(),
                     1, pause=0.2)
    started = time.monotonic()
    with drip.running():
        while drip.closed == 0 and time.monotonic() - started < 10:
            time.sleep(0.1)
    assert drip.closed == 1 and status_of(drip.answers[0]) == 408
    assert b"http.timeout" in drip.answers[0]
    assert time.monotonic() - started < 5
    assert port.submitted == [] and port.rejected == []
    assert legit_push(adapter).status_code == 202


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """An application that reads whatever body comes (as a framework would) and counts it."""
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


def test_a_body_over_the_cap_is_413_whatever_the_framing() -> None:
    server = HttpServer(_echo, host="127.0.0.1", port=0, name="echo",
                        limits=ServerLimits(deadline_seconds=5, max_body_bytes=1000))
    server.start()
    try:
        chunk = b"x" * 600
        chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(20)) + b"0\r\n\r\n"
        answer = raw_exchange(server.url, b"POST / HTTP/1.1\r\nHost: x\r\n"
                              b"Transfer-Encoding: chunked\r\n\r\n", chunked)
        assert status_of(answer) == 413 and b"http.too_large" in answer
        assert requests.post(server.url, data=b"y" * 900, timeout=5).text == "900"
    finally:
        server.stop()


def test_credentials_are_checked_before_the_body_is_read(
    pushed: tuple[RestPushAdapter, RecordingPort], caller_env: str
) -> None:
    adapter, port = pushed
    head = (b"POST /records/administrative_licence HTTP/1.1\r\nHost: x\r\nContent-Length: "
            b"1000000000\r\nAuthorization: Bearer wrong\r\n\r\n")
    started = time.monotonic()
    answer = raw_exchange(adapter.url, head)  # the gigabyte is never sent
    assert status_of(answer) == 401 and b"adapter.unauthorised" in answer
    assert time.monotonic() - started < 1
    soap_port = RecordingPort("city-platform")
    soap = serve_adapter(serve_config(caller_env, max_request_bytes=2_000_000_000), soap_port)
    soap.start()
    try:
        basic = base64.b64encode(f"{CALLER}:wrong".encode()).decode()
        started = time.monotonic()
        answer = raw_exchange(soap.url, b"POST /soap/exchange HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Length: 1000000000\r\nAuthorization: Basic "
                              + basic.encode() + b"\r\n\r\n")
        assert b"adapter.unauthorised" in answer and time.monotonic() - started < 1
    finally:
        soap.stop()
    assert port.submitted == port.rejected == soap_port.submitted == soap_port.rejected == []


# --- WS-Security and the WSDL ------------------------------------------------------------------


def test_a_replayed_password_digest_is_refused_and_password_text_only_where_private(
    caller_env: str,
) -> None:
    port = RecordingPort("city-platform")
    adapter = serve_adapter(serve_config(caller_env), port)
    adapter.start()
    try:
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        request = soap_request(submit_record(), header=digest_token(os.urandom(16), created))
        first = requests.post(adapter.url, data=request, timeout=5,
                              headers={"Content-Type": "text/xml"})
        replay = requests.post(adapter.url, data=request, timeout=5,
                               headers={"Content-Type": "text/xml"})
        assert first.status_code == 200 and replay.status_code == 500
        assert "replayed" in (fault_of(replay.content)["message"] or "")
        assert len(port.submitted) == 1 and port.rejected == []
    finally:
        adapter.stop()
    from pydantic import SecretStr

    public = Callers({CALLER: SecretStr(PASSWORD)}, password_text=False, max_nonces=1)
    with pytest.raises(Exception, match="PasswordText token is accepted only over TLS"):
        public.check_token(UsernameToken(CALLER, PASSWORD, digest=False))


def test_the_wsdl_address_comes_from_configuration_never_from_the_host_header(
    caller_env: str,
) -> None:
    for public_url in (None, "https://hub.minhang.gov.cn:8431/soap/exchange"):
        adapter = serve_adapter(serve_config(caller_env, public_url=public_url),
                                RecordingPort("city-platform"))
        adapter.start()
        try:
            wsdl = requests.get(f"{adapter.url}?wsdl", timeout=5,
                                headers={"Host": "evil.example:666"}).text
            assert "evil.example" not in wsdl
            assert f'location="{public_url or adapter.url}"' in wsdl
        finally:
            adapter.stop()
