"""Publisher confirms on the real RabbitMQ: pipelined, and failures reported per message."""

from __future__ import annotations

import pytest
from kombu import Connection, Exchange, Queue

from hub.runtime.publisher import ConfirmedPublisher
from schemas.contract.messages import OutboundMessage

pytestmark = pytest.mark.rabbitmq


def _message(exchange: str, key: str, n: int) -> OutboundMessage:
    return OutboundMessage(exchange, key, f'{{"n": {n}}}'.encode(), "application/json")


@pytest.fixture
def connection(rabbitmq_url: str):
    with Connection(rabbitmq_url) as conn:
        conn.ensure_connection(max_retries=3)
        yield conn


def _declare(conn: Connection, name: str, **arguments: object) -> Queue:
    queue = Queue(name, Exchange("t.x", "direct", durable=True), name, durable=True,
                  queue_arguments=arguments or None)
    queue(conn.default_channel).declare()
    return queue


def test_publish_never_waits_for_a_confirm_and_settle_waits_once_for_all(connection) -> None:
    _declare(connection, "t.ok")
    publisher = ConfirmedPublisher(connection)
    drains = 0
    real_drain = connection.drain_events

    def counting_drain(**kwargs: object) -> object:
        nonlocal drains
        drains += 1
        return real_drain(**kwargs)

    connection.drain_events = counting_drain
    for n in range(2000):
        publisher.publish(_message("t.x", "t.ok", n))
    # py-amqp reads acks that have already arrived (without blocking) while publishing,
    # so some may be settled already; but nothing waited for the broker.
    assert drains == 0, "publish() must not wait for the broker"
    assert publisher.settle(timeout=30) == set()
    assert publisher.unsettled == 0
    # RabbitMQ acks with multiple=True: far fewer round trips than messages.
    assert drains < 2000
    _, depth, _ = connection.default_channel.queue_declare("t.ok", passive=True)
    assert depth == 2000


def test_nacked_publishes_are_reported_by_sequence_number(connection) -> None:
    _declare(connection, "t.full", **{"x-max-length": 1, "x-overflow": "reject-publish"})
    publisher = ConfirmedPublisher(connection)
    sequences = [publisher.publish(_message("t.x", "t.full", n)) for n in range(3)]
    failed = publisher.settle(timeout=30)
    assert failed == set(sequences[1:]), "only the first fits; the broker nacks the others"


def test_an_unroutable_publish_fails_its_whole_batch(connection) -> None:
    _declare(connection, "t.ok2")
    publisher = ConfirmedPublisher(connection)
    good = publisher.publish(_message("t.x", "t.ok2", 1))
    lost = publisher.publish(_message("t.x", "no-such-binding", 2))
    assert publisher.settle(timeout=30) == {good, lost}
    # The next batch starts clean.
    again = publisher.publish(_message("t.x", "t.ok2", 3))
    assert publisher.settle(timeout=30) == set()
    assert again == lost + 1
