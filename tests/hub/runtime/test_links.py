"""The worker's two broker links (kombu and pika) keep one contract, on the real RabbitMQ:
publish without waiting, settle once and name the refused publishes, get and consume with
manual acks, and ack exactly the deliveries given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kombu import Exchange, Queue

from hub.runtime.broker import BrokerSession
from hub.runtime.declarations import Topology, TopologyOptions
from hub.runtime.links import BrokerLink, KombuLink, open_link
from schemas.contract.errors import BrokerUnavailable, ConfigError
from schemas.contract.messages import OutboundMessage

pytestmark = pytest.mark.rabbitmq
EXCHANGE = Exchange("t.links", "direct", durable=True)


def _message(key: str, n: int, exchange: str = "t.links") -> OutboundMessage:
    return OutboundMessage(exchange, key, f'{{"n": {n}}}'.encode(), "application/json",
                           headers={"hub-attempt": 2, "note": "甲"}, message_id=f"m{n}")


@pytest.fixture
def session(rabbitmq_url: str) -> Iterator[BrokerSession]:
    with BrokerSession(rabbitmq_url, Topology([], TopologyOptions())) as opened:
        for name, arguments in [("t.ok", None), ("t.full", {"x-max-length": 1,
                                                           "x-overflow": "reject-publish"})]:
            Queue(name, EXCHANGE, name, durable=True, queue_arguments=arguments)(
                opened.default_channel).declare()
        yield opened


@pytest.fixture(params=["kombu", "pika"])
def link(request: pytest.FixtureRequest, rabbitmq_url: str) -> Iterator[BrokerLink]:
    """A link of each kind, on its own session (a pika link closes the session it came from)."""
    with BrokerSession(rabbitmq_url, Topology([], TopologyOptions())) as own:
        opened = open_link(own, request.param)
        assert isinstance(opened, KombuLink) == (request.param == "kombu")
        try:
            yield opened
        finally:
            opened.close()


def test_publishes_are_settled_at_once_and_the_refused_ones_named(
    session: BrokerSession, link: BrokerLink
) -> None:
    good = [link.publish(_message("t.ok", n)) for n in range(500)]
    assert good == list(range(1, 501)), "sequence numbers are the channel's delivery tags"
    assert link.settle(30) == set()
    assert session.queue_depth("t.ok") == 500

    _fits, *full = [link.publish(_message("t.full", n)) for n in range(3)]
    assert link.settle(30) == set(full), "the broker nacks what the full queue refuses"

    kept = link.publish(_message("t.ok", 1))
    lost = link.publish(_message("nowhere", 2))
    assert link.settle(30) == {kept, lost}, "a basic.return fails its whole batch"
    assert link.settle(30) == set(), "and the next batch starts clean"


def test_get_consume_and_ack_exactly_the_deliveries_given(
    session: BrokerSession, link: BrokerLink, rabbitmq_url: str
) -> None:
    for n in range(6):
        link.publish(_message("t.ok", n))
    assert link.settle(30) == set()

    first = link.get("t.ok")
    assert first is not None and not first.redelivered
    assert first.inbound.body == b'{"n": 0}' and first.inbound.routing_key == "t.ok"
    assert first.inbound.message_id == "m0"
    assert first.inbound.headers == {"hub-attempt": 2, "note": "甲"}
    link.consume("t.ok", prefetch=10)
    while len(link.received) < 5:
        assert link.drain(5), "the consumer received nothing"
    assert not link.drain(0.2) or len(link.received) == 5
    second, third, fourth, *_ = link.received
    assert [d.inbound.message_id for d in link.received] == ["m1", "m2", "m3", "m4", "m5"]
    link.ack([fourth])  # out of order: only that one
    link.ack([first, second, third])  # the oldest, in order: one multiple ack on pika
    link.close()
    # Those two never acked come back, redelivered; nothing else does.
    with BrokerSession(rabbitmq_url, Topology([], TopologyOptions())) as again:
        back = open_link(again, "kombu")
        returned = [back.get("t.ok") for _ in range(3)]
        assert [d.inbound.message_id if d else None for d in returned] == ["m4", "m5", None]
        assert all(d.redelivered for d in returned if d)
        back.ack([d for d in returned if d])
        back.close()


def test_pika_raises_broker_unavailable_when_the_broker_closes_its_channel(
    session: BrokerSession, rabbitmq_url: str
) -> None:
    with BrokerSession(rabbitmq_url, Topology([], TopologyOptions())) as own:
        link = open_link(own, "pika")
    try:
        link.publish(_message("t.ok", 1, exchange="no-such-exchange"))
        with pytest.raises(BrokerUnavailable, match="closed the channel"):
            link.settle(10)
    finally:
        link.close()


def test_pika_is_refused_on_the_embedded_broker(tmp_path) -> None:
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    with BrokerSession(url, Topology([], TopologyOptions())) as embedded:
        with pytest.raises(ConfigError, match="needs RabbitMQ"):
            open_link(embedded, "pika")
        assert isinstance(open_link(embedded, "auto"), KombuLink)


def test_pika_takes_the_node_and_its_tls_as_kombu_read_them() -> None:
    import ssl

    from hub.runtime.broker import NodeAddress
    from hub.runtime.pika_link import _tls

    plain = NodeAddress("mq1", 5672, "/", "hub", "secret")
    assert _tls(plain) is None and "secret" not in repr(plain)
    verified = _tls(NodeAddress("mq1", 5671, "supervision", "hub", "secret", tls=True))
    assert verified is not None and verified.server_hostname == "mq1"
    assert verified.context.verify_mode == ssl.CERT_REQUIRED and verified.context.check_hostname
    unchecked = _tls(NodeAddress("mq1", 5671, "v", "hub", "s", tls={"cert_reqs": ssl.CERT_NONE}))
    assert unchecked is not None and unchecked.context.verify_mode == ssl.CERT_NONE
