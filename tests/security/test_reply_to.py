"""Attack: writing into other queues through ``reply_to``, against the real RabbitMQ.

A hub worker runs on a fresh vhost; department ``market`` publishes with its own pika client
and the credentials ``amqp-direct`` provisions. Its ``reply_to`` naming another department's
queue, a hub queue, an exchange, an over-long name or a direct reply-to token the broker never
issued gets no copy: nothing lands there, market's feedback in ``hub.out.market`` says why
(``reply_to.refused``), and market's record is still delivered. Its own ``hub.reply.market.<n>``
queue and RabbitMQ's direct reply-to both get the feedback, and the hub keeps running.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from schemas.contract.problems import REPLY_TO_REFUSED
from tests.adapters.amqp.harness import LICENCE, AmqpDirectHarness, department_on
from tests.support.running_hub import Received, RunningHub

pytestmark = pytest.mark.rabbitmq
KEY = "market.administrative_licence"
#: Names market may not have the hub write to (a department, a platform, the hub's own queues,
#: exchanges, too long), and direct reply-to tokens the broker never issued; RabbitMQ 3.10
#: closes the publisher's connection when asked to publish to the last two.
REFUSED = [
    "hub.out.tax", "hub.out.credit-platform", "hub.review", "hub.quarantine", "hub.inbound",
    "hub.reply.tax.answers", "hub.outbound", "amq.topic", "hub.reply.market." + "a" * 200,
    "amq.rabbitmq.reply-to.!!!.???",
    "amq.rabbitmq.reply-to." + base64.b64encode(
        b"\x83gd\x00\rrabbit@localhost\x00\x00\x00\xc3\x00\x00\x00\x02\x03").decode() + ".a2V5",
]
#: Queues the refused names would have reached (the hub has them all declared).
WATCHED = ("hub.out.tax", "hub.out.credit-platform", "hub.review", "hub.quarantine",
           "hub.reply.tax.answers")


@pytest.fixture
def hub(rabbitmq_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    running = RunningHub(rabbitmq_url, tmp_path).start()
    yield running
    running.close()


@pytest.fixture
def market(rabbitmq_url: str, hub: RunningHub) -> Iterator[AmqpDirectHarness]:
    with department_on(rabbitmq_url) as department:
        department.adapter().start()
        with department.channel(as_admin=True) as admin:  # tax's own reply queue, with nothing
            admin.queue_declare("hub.reply.tax.answers", durable=True)
        yield department


def _licence(number: str) -> bytes:
    return json.dumps({**LICENCE, "licence_number": number}, ensure_ascii=False).encode()


def _feedback(message: Received) -> dict[str, Any]:
    envelope = message.json()
    assert envelope["source"] == "hub" and envelope["record_type"] == "feedback"
    payload: dict[str, Any] = envelope["payload"]
    return payload


def test_a_reply_to_outside_markets_own_queues_gets_nothing_and_market_is_told_why(
    hub: RunningHub, market: AmqpDirectHarness,
) -> None:
    before = {q: hub.depth(q) for q in WATCHED}
    with market.channel() as channel:
        for index, reply_to in enumerate(REFUSED):
            market.publish(channel, KEY, _licence(f"ATTACK-{index:03d}"), reply_to=reply_to)
    outcomes = hub.wait_processed(len(REFUSED))
    assert [o.status for o in outcomes] == ["delivered"] * len(REFUSED), "records are fine"
    destinations = outcomes[0].destinations
    assert destinations and all(o.destinations == destinations for o in outcomes)

    feedback = [_feedback(m) for m in hub.read("hub.out.market", len(REFUSED))]
    assert sorted(f["regarding_message_id"] for f in feedback) == sorted(
        o.message_id for o in outcomes)
    for payload in feedback:
        assert payload["status"] == "accepted"
        [problem] = payload["problems"]
        assert problem["code"] == REPLY_TO_REFUSED and "hub.reply.market.<name>" in problem["message"]

    for destination in destinations:  # market's records still reach every destination
        delivered = hub.read(f"hub.out.{destination}", len(REFUSED))
        assert all(m.json()["source"] == "market" for m in delivered)
    time.sleep(0.5)  # anything published to the watched queues has arrived by now
    for queue in WATCHED:
        if queue.removeprefix("hub.out.") in destinations:
            continue  # drained above: only market's records, no feedback
        assert hub.depth(queue) == before[queue], f"something landed in {queue}"
    assert hub.depth("hub.out.market") == 0, "one feedback per input, no copies"


def test_markets_own_reply_queue_gets_its_feedback(
    hub: RunningHub, market: AmqpDirectHarness,
) -> None:
    with market.channel() as channel:
        channel.queue_declare("hub.reply.market.answers", durable=True)
        market.publish(channel, KEY, b"{not json", reply_to="hub.reply.market.answers")
    [outcome] = hub.wait_processed(1)
    assert outcome.status == "rejected" and [p.code for p in outcome.problems] == ["json.malformed"]
    with market.channel() as channel:
        deadline = time.monotonic() + 15
        method = None
        while method is None and time.monotonic() < deadline:
            method, _, body = channel.basic_get("hub.reply.market.answers", auto_ack=True)
            time.sleep(0.05)
        assert method is not None, "no feedback in market's reply queue"
    copy = json.loads(body)["payload"]
    [in_queue] = [_feedback(m) for m in hub.read("hub.out.market", 1)]
    assert copy == in_queue and copy["status"] == "rejected"


def test_direct_reply_to_brings_the_feedback_back_to_the_publishing_channel(
    hub: RunningHub, market: AmqpDirectHarness,
) -> None:
    replies: list[bytes] = []
    with market.channel() as channel:
        channel.basic_consume("amq.rabbitmq.reply-to", lambda ch, m, p, body: replies.append(body),
                              auto_ack=True)
        market.publish(channel, KEY, b"{not json", reply_to="amq.rabbitmq.reply-to")
        deadline = time.monotonic() + 15
        while not replies and time.monotonic() < deadline:
            channel.connection.process_data_events(time_limit=0.1)
    assert replies, "no feedback came back by direct reply-to"
    payload = json.loads(replies[0])["payload"]
    assert payload["status"] == "rejected" and payload["problems"][0]["code"] == "json.malformed"
    [outcome] = hub.wait_processed(1)
    assert [_feedback(m)["regarding_message_id"] for m in hub.read("hub.out.market", 1)] == [
        outcome.message_id]


def test_after_the_attacks_legitimate_traffic_still_flows(
    hub: RunningHub, market: AmqpDirectHarness,
) -> None:
    with market.channel() as channel:
        for reply_to in REFUSED[-2:]:  # the tokens that would close the hub's connection
            market.publish(channel, KEY, b"{not json", reply_to=reply_to)
        market.publish(channel, KEY, _licence("AFTER-001"))
    outcomes = hub.wait_processed(3)
    assert [o.status for o in outcomes] == ["rejected", "rejected", "delivered"]
    assert len(hub.read(f"hub.out.{outcomes[-1].destinations[0]}", 1)) == 1
    codes = [[p["code"] for p in _feedback(m)["problems"]] for m in hub.read("hub.out.market", 2)]
    assert codes == [["json.malformed", REPLY_TO_REFUSED]] * 2
