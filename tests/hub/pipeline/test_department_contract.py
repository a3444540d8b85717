"""A department that knows only the README's AMQP contract, with a plain pika client.

No hub code is used on the department's side: it publishes licence and penalty records in XML
and JSON to hub.inbound, reads the unified records from the destinations' queues, and reads the
feedback for its bad record from its own queue.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pika
import pytest

from hub.app.demo import SAMPLES
from hub.config.system_catalogue import SystemCatalogue
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq


def _publish(channel: pika.adapters.blocking_connection.BlockingChannel, key: str, body: bytes,
             content_type: str) -> str:
    message_id = str(uuid.uuid4())
    channel.basic_publish(
        exchange="hub.inbound",
        routing_key=key,
        body=body,
        properties=pika.BasicProperties(
            content_type=content_type, delivery_mode=2, message_id=message_id
        ),
        mandatory=True,
    )
    return message_id


def _take(channel: pika.adapters.blocking_connection.BlockingChannel, queue: str, count: int,
          timeout: float = 20.0) -> list[tuple[pika.spec.BasicProperties, dict]]:
    taken: list[tuple[pika.spec.BasicProperties, dict]] = []
    for method, properties, body in channel.consume(queue, inactivity_timeout=timeout):
        assert method is not None, f"{queue}: only {len(taken)} of {count} messages arrived"
        channel.basic_ack(method.delivery_tag)
        taken.append((properties, json.loads(body)))
        if len(taken) == count:
            break
    channel.cancel()
    return taken


def test_a_department_with_its_own_pika_client_exchanges_by_the_readme_contract(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub]
) -> None:
    make_hub(rabbitmq_url).start()  # the hub; the department below never touches its objects
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    channel.confirm_delivery()

    # Market sends the penalties as their authority: the hub refuses a record in another
    # department's name (authority.not_sender), so the police's and safety's samples get
    # market's own code.
    [market_code] = SystemCatalogue.load().credit_codes("market")
    penalty_json = json.loads((SAMPLES / "police-penalty-bad-credit-code.json").read_bytes())
    penalty_json["party"]["credit_code"] = "91310112MA1JD40043"  # the correct check character
    penalty_json["authority_credit_code"] = penalty_json["data_source_credit_code"] = market_code
    [safety_code] = SystemCatalogue.load().credit_codes("safety")
    penalty_xml = (SAMPLES / "safety-penalty-gb18030.xml").read_bytes().replace(
        safety_code.encode(), market_code.encode())
    sent = {
        _publish(channel, "market.administrative_licence", (RECORDS / "licence.json").read_bytes(),
                 "application/json"): ("administrative_licence", "json"),
        _publish(channel, "market.administrative_licence", (RECORDS / "licence.xml").read_bytes(),
                 "application/xml"): ("administrative_licence", "xml"),
        _publish(channel, "market.administrative_penalty",
                 json.dumps(penalty_json, ensure_ascii=False).encode(), "application/json; charset=utf-8"):
            ("administrative_penalty", "json"),
        _publish(channel, "market.administrative_penalty",
                 penalty_xml, "application/xml"):
            ("administrative_penalty", "xml"),
    }
    bad_id = _publish(channel, "market.administrative_penalty",
                      (SAMPLES / "police-penalty-bad-credit-code.json").read_bytes(), "application/json")

    city = _take(channel, "hub.out.city-platform", 4)
    assert {envelope["source_message_id"] for _, envelope in city} == set(sent)
    for properties, envelope in city:
        assert properties.content_type == "application/json"
        assert envelope["record_type"] == sent[envelope["source_message_id"]][0]
        assert properties.headers["hub-record-type"] == envelope["record_type"]
        assert envelope["schema_version"] == "1.0"
        assert envelope["content_hash"].startswith("sha256:")
        if envelope["record_type"] == "administrative_licence":
            assert envelope["payload"]["decision_date"] == "2026-11-02"
        else:
            assert set(envelope["payload"]["penalty_categories"]) <= {"警告", "罚款"}
    # Penalties also go to the credit platform; licences too (双公示).
    assert len(_take(channel, "hub.out.credit-platform", 4)) == 4

    [(properties, feedback)] = _take(channel, "hub.out.market", 1)
    assert properties.headers["hub-record-type"] == "feedback"
    assert feedback["payload"]["regarding_source_message_id"] == bad_id
    assert feedback["payload"]["status"] == "rejected"
    assert feedback["payload"]["problems"][0] == {
        "code": "credit_code.checksum",
        "path": "party.credit_code",
        "message": feedback["payload"]["problems"][0]["message"],
    }
    connection.close()
