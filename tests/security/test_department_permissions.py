"""A department's own pika client, with the credentials ``amqp-direct`` provisions, against the
real RabbitMQ (a fresh vhost with the hub's topology): it can do what the hub's contract gives
it and nothing else. It publishes its own records to hub.inbound, reads its own queue, and
declares, reads and deletes its own reply queues ``hub.reply.<id>.<name>``; it cannot publish
as another source (routing key or ``user_id``), read another department's queue, or declare,
bind or delete any exchange or queue but its reply queues, nor make one of those a side door
(a binding, a dead-letter exchange). (Moved here from tests/adapters/amqp/test_access.py.)"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pika.exceptions
import pytest

from schemas.contract.topology import INBOUND, OUTBOUND
from tests.adapters.amqp.harness import LICENCE, AmqpDirectHarness, department_on

pytestmark = pytest.mark.rabbitmq
BODY = json.dumps(LICENCE, ensure_ascii=False).encode()
REPLY = "hub.reply.market.answers"


@pytest.fixture
def department(rabbitmq_url: str) -> Iterator[AmqpDirectHarness]:
    """``market`` with its access made as ``amqp-direct`` makes it (the adapter started)."""
    with department_on(rabbitmq_url) as harness:
        harness.adapter().start()
        yield harness


def _refused(harness: AmqpDirectHarness, attempt: str, action: Callable[[Any], object]) -> str:
    """Run ``action(channel)`` as the department; return the broker's refusal text."""
    with harness.channel() as channel:
        try:
            action(channel)
        except pika.exceptions.ChannelClosedByBroker as e:
            return f"{e.reply_code} {e.reply_text}"
    raise AssertionError(f"the broker allowed the department to {attempt}")


def _all_refused(harness: AmqpDirectHarness, attempts: dict[str, Callable[[Any], object]]) -> None:
    for attempt, action in attempts.items():
        refusal = _refused(harness, attempt, action)
        assert refusal.startswith("403 ACCESS_REFUSED"), (attempt, refusal)


def test_a_published_record_reaches_hub_inbound_with_the_departments_identity(
    department: AmqpDirectHarness,
) -> None:
    with department.channel() as channel:
        department.publish(channel, "market.administrative_licence", BODY)
    ((key, properties),) = department.published()
    assert key == "market.administrative_licence"
    assert properties["user_id"] == department.username


def test_the_department_reads_what_the_hub_sent_to_its_queue(department: AmqpDirectHarness) -> None:
    with department.channel(as_admin=True) as hub:
        hub.basic_publish(OUTBOUND, "market", b'{"record": 1}',
                          pika.BasicProperties(delivery_mode=2), mandatory=True)
    with department.channel() as channel:
        channel.queue_declare("hub.out.market", passive=True)  # passive: needs no permission
        method, _, body = channel.basic_get("hub.out.market", auto_ack=False)
        assert method is not None and body == b'{"record": 1}'
        channel.basic_ack(method.delivery_tag)


def test_the_department_declares_reads_and_deletes_its_own_reply_queues(
    department: AmqpDirectHarness,
) -> None:
    with department.channel() as channel:
        channel.queue_declare(REPLY, durable=True)
        channel.queue_declare("hub.reply.market.once", exclusive=True, auto_delete=True)
    with department.channel(as_admin=True) as hub:  # the hub's copy, by the default exchange
        hub.basic_publish("", REPLY, b'{"feedback": 1}', pika.BasicProperties(delivery_mode=2),
                          mandatory=True)
    with department.channel() as channel:
        method, _, body = channel.basic_get(REPLY, auto_ack=True)
        assert method is not None and body == b'{"feedback": 1}'
        channel.queue_purge(REPLY)
        channel.queue_delete(REPLY)
    with department.channel(as_admin=True) as hub, pytest.raises(
            pika.exceptions.ChannelClosedByBroker, match="NOT_FOUND"):
        hub.queue_declare(REPLY, passive=True)


def test_the_department_cannot_publish_as_another_or_around_the_validation(
    department: AmqpDirectHarness,
) -> None:
    attempts = {
        "publish as tax": (INBOUND, "tax.administrative_licence", "tax.administrative_licence"),
        "publish without a record type": (INBOUND, "market", "topic 'market'"),
        "publish a two-word record type": (INBOUND, "market.a.b", "topic 'market.a.b'"),
        "publish straight into the hub.inbound queue": ("", INBOUND, "amq.default"),
        "publish to its own queue, skipping validation": (OUTBOUND, "market", OUTBOUND),
        "publish to another department's queue": (OUTBOUND, "tax", OUTBOUND),
        "publish into its own reply queue": ("", REPLY, "amq.default"),
        "publish into another department's queue by name": ("", "hub.out.tax", "amq.default"),
        "publish to a standard exchange": ("amq.topic", "tax.administrative_licence", "amq.topic"),
    }
    for attempt, (exchange, key, named) in attempts.items():
        refusal = _refused(department, attempt, lambda ch, e=exchange, k=key: department.publish(
            ch, k, BODY, exchange=e))
        assert refusal.startswith("403 ACCESS_REFUSED") and named in refusal, (attempt, refusal)
    assert department.published() == [], "a refused message reached hub.inbound"


def test_the_broker_refuses_a_user_id_other_than_the_publishers(
    department: AmqpDirectHarness,
) -> None:
    refusal = _refused(department, "claim another user_id", lambda ch: department.publish(
        ch, "market.administrative_licence", BODY, user_id="dept-tax"))
    assert refusal.startswith("406 PRECONDITION_FAILED") and "user_id" in refusal
    assert department.published() == []


def test_the_department_cannot_read_another_departments_queues(
    department: AmqpDirectHarness,
) -> None:
    with department.channel(as_admin=True) as hub:
        hub.queue_declare("hub.reply.tax.answers", durable=True)
    _all_refused(department, {
        "read another department's queue": lambda ch: ch.basic_get("hub.out.tax"),
        "consume another department's queue": lambda ch: ch.basic_consume(
            "hub.out.tax", lambda *a: None),
        "purge another department's queue": lambda ch: ch.queue_purge("hub.out.tax"),
        "read another department's reply queue": lambda ch: ch.basic_get("hub.reply.tax.answers"),
        "read hub.inbound": lambda ch: ch.basic_get(INBOUND),
        "read the quarantine": lambda ch: ch.basic_get("hub.quarantine"),
        "read the review queue": lambda ch: ch.basic_get("hub.review"),
    })


def test_the_department_cannot_declare_bind_or_delete_anything_but_its_reply_queues(
    department: AmqpDirectHarness,
) -> None:
    with department.channel() as channel:
        channel.queue_declare(REPLY, durable=True)
    _all_refused(department, {
        "declare (configure) its own queue": lambda ch: ch.queue_declare(
            "hub.out.market", durable=True, arguments={"x-queue-type": "classic"}),
        "delete its own queue": lambda ch: ch.queue_delete("hub.out.market"),
        "delete another department's queue": lambda ch: ch.queue_delete("hub.out.tax"),
        "declare another department's reply queue": lambda ch: ch.queue_declare(
            "hub.reply.tax.answers"),
        "declare a reply queue named outside the pattern": lambda ch: ch.queue_declare(
            "hub.reply.market.a.b"),
        "declare a queue of its own choosing": lambda ch: ch.queue_declare("market-side-door"),
        "declare a server-named queue": lambda ch: ch.queue_declare("", exclusive=True),
        "declare an exchange": lambda ch: ch.exchange_declare("dept.side-door", "fanout"),
        "delete a hub exchange": lambda ch: ch.exchange_delete(OUTBOUND),
        "bind its own queue to hub.inbound": lambda ch: ch.queue_bind(
            "hub.out.market", INBOUND, "tax.#"),
        "bind its reply queue to hub.outbound (tax's records)": lambda ch: ch.queue_bind(
            REPLY, OUTBOUND, "tax"),
        "bind its reply queue to hub.inbound (every source's records)": lambda ch: ch.queue_bind(
            REPLY, INBOUND, "#"),
        "bind its reply queue to a standard exchange": lambda ch: ch.queue_bind(
            REPLY, "amq.topic", "#"),
        "dead-letter its reply queue into hub.outbound": lambda ch: ch.queue_declare(
            "hub.reply.market.dlx", arguments={"x-dead-letter-exchange": OUTBOUND,
                                               "x-dead-letter-routing-key": "tax"}),
        "dead-letter its reply queue into another queue by name": lambda ch: ch.queue_declare(
            "hub.reply.market.dlq", arguments={"x-dead-letter-exchange": "",
                                               "x-dead-letter-routing-key": "hub.out.tax"}),
    })
    with department.channel(as_admin=True) as hub:
        for queue in ("hub.out.market", "hub.out.tax", REPLY):
            hub.queue_declare(queue, passive=True)  # still there
        assert hub.queue_declare("hub.out.tax", passive=True).method.message_count == 0


def test_the_harness_offers_through_the_broker_and_its_bad_offer_is_refused(
    department: AmqpDirectHarness,
) -> None:
    department.offer(3)
    department.offer_bad()
    taken = department.published()
    assert [key for key, _ in taken] == ["market.administrative_licence"] * 3
    assert len(department.refused) == 1 and department.refused[0].reply_code == 403
