"""After ``start``, a department's own RabbitMQ user can do what the hub's contract gives it and
nothing else: publish its own records to hub.inbound and read its own queue."""

from __future__ import annotations

import json

import pika
import pika.exceptions
import pytest

from schemas.contract.topology import INBOUND, OUTBOUND
from tests.adapters.amqp.harness import LICENCE, AmqpDirectHarness

pytestmark = pytest.mark.rabbitmq
BODY = json.dumps(LICENCE, ensure_ascii=False).encode()


def _refused(harness: AmqpDirectHarness, attempt: str, action: object) -> str:
    """Run ``action(channel)`` as the department; return the broker's refusal text."""
    with harness.channel() as channel:
        try:
            action(channel)  # type: ignore[operator]
        except pika.exceptions.ChannelClosedByBroker as e:
            return f"{e.reply_code} {e.reply_text}"
    raise AssertionError(f"the broker allowed the department to {attempt}")


def test_a_published_record_reaches_hub_inbound_with_the_departments_identity(
    department: AmqpDirectHarness,
) -> None:
    department.adapter().start()
    with department.channel() as channel:
        department.publish(channel, "market.administrative_licence", BODY)
    ((key, properties),) = department.published()
    assert key == "market.administrative_licence"
    assert properties["user_id"] == department.username


def test_the_department_reads_what_the_hub_sent_to_its_queue(department: AmqpDirectHarness) -> None:
    department.adapter().start()
    with department.channel(as_admin=True) as hub:
        hub.basic_publish(OUTBOUND, "market", b'{"record": 1}',
                          pika.BasicProperties(delivery_mode=2), mandatory=True)
    with department.channel() as channel:
        channel.queue_declare("hub.out.market", passive=True)  # passive: needs no permission
        method, _, body = channel.basic_get("hub.out.market", auto_ack=False)
        assert method is not None and body == b'{"record": 1}'
        channel.basic_ack(method.delivery_tag)


def test_the_department_cannot_publish_as_another_or_around_the_validation(
    department: AmqpDirectHarness,
) -> None:
    department.adapter().start()
    attempts = {
        "publish as tax": (INBOUND, "tax.administrative_licence", "tax.administrative_licence"),
        "publish without a record type": (INBOUND, "market", "topic 'market'"),
        "publish a two-word record type": (INBOUND, "market.a.b", "topic 'market.a.b'"),
        "publish straight into the hub.inbound queue": ("", INBOUND, "amq.default"),
        "publish to its own queue, skipping validation": (OUTBOUND, "market", OUTBOUND),
        "publish to another department's queue": (OUTBOUND, "tax", OUTBOUND),
    }
    for attempt, (exchange, key, named) in attempts.items():
        refusal = _refused(department, attempt, lambda ch, e=exchange, k=key: department.publish(
            ch, k, BODY, exchange=e))
        assert refusal.startswith("403 ACCESS_REFUSED") and named in refusal, (attempt, refusal)
    assert department.published() == [], "a refused message reached hub.inbound"


def test_the_department_cannot_read_or_change_any_queue_but_read_its_own(
    department: AmqpDirectHarness,
) -> None:
    department.adapter().start()
    attempts = {
        "read another department's queue": lambda ch: ch.basic_get("hub.out.tax"),
        "read hub.inbound": lambda ch: ch.basic_get(INBOUND),
        "read the quarantine": lambda ch: ch.basic_get("hub.quarantine"),
        "consume another department's queue": lambda ch: ch.basic_consume(
            "hub.out.tax", lambda *a: None),
        "declare (configure) its own queue": lambda ch: ch.queue_declare(
            "hub.out.market", durable=True, arguments={"x-queue-type": "classic"}),
        "delete its own queue": lambda ch: ch.queue_delete("hub.out.market"),
        "bind its own queue to hub.inbound": lambda ch: ch.queue_bind(
            "hub.out.market", INBOUND, "tax.#"),
        "declare an exchange": lambda ch: ch.exchange_declare("dept.side-door", "fanout"),
    }
    for attempt, action in attempts.items():
        refusal = _refused(department, attempt, action)
        assert refusal.startswith("403 ACCESS_REFUSED"), (attempt, refusal)


def test_the_broker_refuses_a_user_id_other_than_the_publishers(
    department: AmqpDirectHarness,
) -> None:
    department.adapter().start()
    refusal = _refused(department, "claim another user_id", lambda ch: department.publish(
        ch, "market.administrative_licence", BODY, user_id="dept-tax"))
    assert refusal.startswith("406 PRECONDITION_FAILED") and "user_id" in refusal
    assert department.published() == []


def test_the_harness_offers_through_the_broker_and_its_bad_offer_is_refused(
    department: AmqpDirectHarness,
) -> None:
    department.adapter().start()
    department.offer(3)
    department.offer_bad()
    taken = department.published()
    assert [key for key, _ in taken] == ["market.administrative_licence"] * 3
    assert len(department.refused) == 1 and department.refused[0].reply_code == 403
