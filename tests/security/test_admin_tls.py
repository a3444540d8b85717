"""The admin API's own TLS: ``hub admin serve`` with a test CA's server certificate and
``--ssl-client-ca`` (mutual TLS), in a real subprocess, reached with real TLS handshakes.

A client with a certificate from that CA and a valid token is answered; without a token it is
refused (401); without a client certificate, with one from another CA, or in plain HTTP on the
TLS port, no request gets through at all; and the server keeps answering the legitimate client.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from adapters.simulators.ports import free_port
from adapters.testing.certificates import CertificateAuthority, CertifiedKey
from hub.app.http.auth import TOKENS_VARIABLE

TOKEN = "ops-li-tls-4c9e1a7f3b5d2e8a"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
REPO = Path(__file__).resolve().parents[2]


@dataclass
class TlsAdmin:
    url: str
    ca: CertificateAuthority
    client: CertifiedKey
    stranger: CertifiedKey

    def get(self, *, cert: CertifiedKey | None, headers: dict[str, str] | None = None,
            url: str | None = None) -> requests.Response:
        """GET /audit, trusting only the test CA, presenting ``cert`` if any."""
        pair: Any = (str(cert.cert), str(cert.key)) if cert else None
        return requests.get(f"{url or self.url}/audit", headers=headers or {}, cert=pair,
                            verify=str(self.ca.cert), timeout=5)


@pytest.fixture
def admin(tmp_path: Path) -> Iterator[TlsAdmin]:
    """``hub admin serve`` over mutual TLS on a free loopback port; stopped with SIGINT."""
    pki = tmp_path / "pki"
    ca = CertificateAuthority.create(pki, "district test CA")
    other = CertificateAuthority.create(pki, "somebody else's CA")
    server = ca.issue(pki, "hub", hosts=["127.0.0.1"])
    world = TlsAdmin("", ca, ca.issue(pki, "ops", client=True),
                     other.issue(pki, "stranger", client=True))
    port = free_port()
    world.url = f"https://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(PYTHONPATH=str(REPO), HUB_DATA_DIR=str(tmp_path / "data"),
               **{TOKENS_VARIABLE: f"ops-li:operator:{TOKEN}"})
    process = subprocess.Popen(
        [sys.executable, "-m", "hub.app.cli", "admin", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--ssl-certfile", str(server.cert), "--ssl-keyfile",
         str(server.key), "--ssl-client-ca", str(ca.cert)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_until_serving(world, process)
        yield world
    finally:
        process.send_signal(signal.SIGINT)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate(timeout=10)
    assert process.returncode == 0, output
    assert TOKEN not in output


def _wait_until_serving(world: TlsAdmin, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            world.get(cert=world.client, headers=BEARER)
            return
        except requests.ConnectionError:
            if process.poll() is not None:
                raise AssertionError(f"hub admin serve exited: {process.communicate()[0]}")
            if time.monotonic() > deadline:
                raise AssertionError("hub admin serve did not answer over TLS within 30 s")
            time.sleep(0.2)


def test_a_client_certified_by_the_ca_with_a_valid_token_is_answered(admin: TlsAdmin) -> None:
    answer = admin.get(cert=admin.client, headers=BEARER)
    assert answer.status_code == 200, answer.text
    assert answer.json() == []  # nothing audited yet: a fresh hub
    refused = admin.get(cert=admin.client)  # the certificate is not the token
    assert refused.status_code == 401, refused.text


@pytest.mark.parametrize("who", ["no client certificate", "another CA's certificate"])
def test_a_client_without_the_cas_certificate_fails_the_handshake(
    admin: TlsAdmin, who: str
) -> None:
    cert = None if who == "no client certificate" else admin.stranger
    # TLS 1.3: the client learns of the refusal as an alert or a closed connection, either
    # during the handshake or on its first read; no request reaches the API either way.
    with pytest.raises(requests.ConnectionError):
        admin.get(cert=cert, headers=BEARER)
    assert admin.get(cert=admin.client, headers=BEARER).status_code == 200


def test_plain_http_to_the_tls_port_gets_no_answer(admin: TlsAdmin) -> None:
    plain = admin.url.replace("https://", "http://")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{plain}/audit", headers=BEARER, timeout=5)
    assert admin.get(cert=admin.client, headers=BEARER).status_code == 200
