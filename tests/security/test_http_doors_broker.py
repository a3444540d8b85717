"""The HTTP doors' attacks proven end to end: soap-serve and rest-push over TLS, publishing
through the hub's real :class:`BrokerInboundPort` to the real RabbitMQ (a fresh virtual host
with the hub's topology, no worker, so ``hub.inbound`` keeps what arrives).

While slowloris connections drip their headers, a never-ending body drips, an oversize body
streams in and a stranger with wrong credentials announces the biggest body allowed, a
legitimate client posts records: each of its records reaches ``hub.inbound`` under the message id it was
answered with, each attacker gets its refusal, and no byte of theirs reaches any hub queue.
"""

from __future__ import annotations

import base64
import json
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
import requests
from lxml import etree

from adapters.rest.push import RestPushAdapter, RestPushConfig
from adapters.sdk import InboundPort
from adapters.soap.serve import SoapServeAdapter, SoapServeConfig
from adapters.testing import MemoryCheckpoints
from adapters.testing.certificates import CertificateAuthority, CertifiedKey
from hub.hosting.adapter_host import BrokerInboundPort
from schemas.contract.messages import HUB_MESSAGE_ID_HEADER
from schemas.contract.topology import INBOUND
from tests.adapters.soap.conftest import (
    CALLER,
    EX_NS,
    PASSWORD,
    soap_request,
    submit_record,
)
from tests.security.tls_support import Slowloris, raw_exchange, status_of
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq

DEADLINE = 2.0  # seconds a whole request may take to arrive
CAP = 16 * 1024  # bytes of body a door takes
TOKEN = "push-token-for-broker-attacks"
LEGITIMATE = 6  # records the legitimate client posts during the attacks


@dataclass
class DoorUnderAttack:
    """One door, how its legitimate client posts, and the credentials an attacker lacks."""

    name: str
    adapter: RestPushAdapter | SoapServeAdapter
    path: str
    good_auth: bytes  # an Authorization header line the door accepts
    bad_auth: bytes  # one it refuses
    unauthorised_status: int
    post: Callable[[int], str]  # posts record ``n``, returns the hub message id answered
    too_large_code: bytes  # the code of its 413 (both doors refuse chunked bodies: 411)

    def oversize(self) -> tuple[bytes, bytes]:
        """Head and body of an authenticated request three times over the cap, all sent."""
        return self.head(self.good_auth, b"Content-Length: %d\r\n" % (3 * CAP)), b"x" * 3 * CAP

    @property
    def url(self) -> str:
        return self.adapter.url

    def head(self, auth: bytes, framing: bytes) -> bytes:
        return (b"POST " + self.path.encode() + b" HTTP/1.1\r\nHost: hub\r\n" + auth
                + b"Content-Type: " + (b"text/xml" if self.name == "soap-serve"
                                        else b"application/json") + b"\r\n" + framing + b"\r\n")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[CertificateAuthority, CertifiedKey]:
    folder = tmp_path_factory.mktemp("pki")
    ca = CertificateAuthority.create(folder, "district test CA")
    return ca, ca.issue(folder, "hub", hosts=["127.0.0.1"])


@pytest.fixture
def department(rabbitmq_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    """The hub's topology on a fresh vhost and a session to read its queues; no worker runs."""
    hub = RunningHub(rabbitmq_url, tmp_path).open()
    yield hub
    hub.close()


def _port(url: str, hub: RunningHub, source: str, kind: str) -> BrokerInboundPort:
    """The port ``hub run`` would give the door: it publishes as the hub's broker user."""
    return BrokerInboundPort(url, hub.hub.topology, source, kind, MemoryCheckpoints())


def _rest_push(port: BrokerInboundPort, server: CertifiedKey, ca: CertificateAuthority,
               monkeypatch: pytest.MonkeyPatch) -> DoorUnderAttack:
    monkeypatch.setenv("BROKER_ATTACK_PUSH_TOKEN", TOKEN)
    config = RestPushConfig.model_validate({
        "kind": "rest-push", "host": "127.0.0.1", "port": 0, "tls": server.tls().model_dump(),
        "tokens": ["env:BROKER_ATTACK_PUSH_TOKEN"], "request_timeout_seconds": DEADLINE,
        "max_body_bytes": CAP, "max_concurrent_requests": 4})
    adapter = RestPushAdapter(config, system="service-hall", port=cast(InboundPort, port))

    def post(n: int) -> str:
        answer = requests.post(f"{adapter.url}/records/administrative_licence",
                               data=json.dumps({"licence_number": f"JY-LEGIT-{n}"}),
                               headers={"Authorization": f"Bearer {TOKEN}",
                                        "Content-Type": "application/json"},
                               verify=str(ca.cert), timeout=5)
        assert answer.status_code == 202, answer.text
        return str(answer.json()["accepted"][0]["message_id"])

    return DoorUnderAttack("rest-push", adapter, "/records/administrative_licence",
                           f"Authorization: Bearer {TOKEN}\r\n".encode(),
                           b"Authorization: Bearer wrong-token\r\n", 401, post,
                           too_large_code=b"http.too_large")


def _soap_serve(port: BrokerInboundPort, server: CertifiedKey, ca: CertificateAuthority,
                monkeypatch: pytest.MonkeyPatch) -> DoorUnderAttack:
    monkeypatch.setenv("BROKER_ATTACK_SOAP_CALLER", PASSWORD)
    config = SoapServeConfig.model_validate({
        "kind": "soap-serve", "host": "127.0.0.1", "port": 0, "tls": server.tls().model_dump(),
        "callers": {CALLER: "env:BROKER_ATTACK_SOAP_CALLER"}, "read_timeout_seconds": DEADLINE,
        "max_request_bytes": CAP, "max_concurrent_requests": 4})
    adapter = SoapServeAdapter(config, system="city-platform", port=cast(InboundPort, port))

    def post(n: int) -> str:
        body = f'{{"licence_number": "JY-LEGIT-{n}"}}'
        answer = requests.post(adapter.url, data=soap_request(submit_record(
            source_id=f"legit-{n}", body=body)), headers={"Content-Type": "text/xml"},
            verify=str(ca.cert), timeout=5)
        assert answer.status_code == 200, answer.text
        found = etree.fromstring(answer.content).find(f".//{{{EX_NS}}}messageId")
        assert found is not None and found.text, answer.text
        return str(found.text)

    def basic(password: str) -> bytes:
        return b"Authorization: Basic " + base64.b64encode(
            f"{CALLER}:{password}".encode()) + b"\r\n"

    return DoorUnderAttack("soap-serve", adapter, config.path, basic(PASSWORD), basic("wrong"),
                           500, post, too_large_code=b"adapter.malformed")


DOORS = {"rest-push": (_rest_push, "service-hall"), "soap-serve": (_soap_serve, "city-platform")}


@pytest.fixture(params=sorted(DOORS))
def door(request: pytest.FixtureRequest, rabbitmq_url: str, department: RunningHub,
         pki: tuple[CertificateAuthority, CertifiedKey],
         monkeypatch: pytest.MonkeyPatch) -> Iterator[DoorUnderAttack]:
    build, source = DOORS[request.param]
    port = _port(rabbitmq_url, department, source, request.param)
    ca, server = pki
    built = build(port, server, ca, monkeypatch)
    built.adapter.start()
    try:
        assert built.url.startswith("https://")
        yield built
    finally:
        built.adapter.stop()
        port.close()


def test_every_attack_is_refused_while_legitimate_records_reach_hub_inbound(
    door: DoorUnderAttack, department: RunningHub, pki: tuple[CertificateAuthority, CertifiedKey]
) -> None:
    context = ssl.create_default_context(cafile=str(pki[0].cert))
    started = time.monotonic()
    slow = Slowloris(door.url, door.head(door.good_auth, b"Content-Length: 40\r\n"), 4,
                     pause=0.3, context=context)
    endless = Slowloris(door.url, b"{", 1, pause=0.2, context=context,
                        opening=door.head(door.good_auth, b"Content-Length: 10000\r\n"))
    answered: list[str] = []
    with slow.running(), endless.running():
        answered += [door.post(n) for n in range(LEGITIMATE // 2)]
        oversize = raw_exchange(door.url, *door.oversize(), context=context, timeout=5)
        asked = time.monotonic()
        # The biggest body the door would take is announced and never sent: only a check of
        # the credentials before the body is read answers it before the deadline.
        stranger = raw_exchange(door.url, door.head(door.bad_auth, b"Content-Length: %d\r\n"
                                                    % CAP), context=context, timeout=5)
        assert time.monotonic() - asked < 1, "the stranger's credentials were checked late"
        for n in range(LEGITIMATE // 2, LEGITIMATE):
            posted = time.monotonic()
            answered.append(door.post(n))
            assert time.monotonic() - posted < DEADLINE, "the legitimate client was held up"
        while (slow.closed < 4 or endless.closed < 1) and time.monotonic() - started < 15:
            time.sleep(0.1)
    assert slow.closed == 4 and endless.closed == 1, "an attacker's connection outlived the deadline"

    assert all(status_of(a) in (0, 408) for a in slow.answers), slow.answers
    assert status_of(endless.answers[0]) == 408 and b"http.timeout" in endless.answers[0]
    assert status_of(oversize) == 413 and door.too_large_code in oversize, oversize
    assert status_of(stranger) == door.unauthorised_status, stranger
    assert b"adapter.unauthorised" in stranger

    # The legitimate records are all in hub.inbound, under the ids their answers named ...
    received = department.read(INBOUND, LEGITIMATE)
    assert sorted(str(m.headers[HUB_MESSAGE_ID_HEADER]) for m in received) == sorted(answered)
    assert all(b"JY-LEGIT-" in m.body for m in received)
    # ... and nothing else is on any queue of the hub: no attacker's byte went anywhere.
    queues = department.hub.topology.queue_names()
    assert INBOUND in queues
    assert {q: department.depth(q) for q in queues} == dict.fromkeys(queues, 0)
