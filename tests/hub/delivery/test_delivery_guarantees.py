"""Acks follow confirms: inputs are acked only after their outputs are safe, in batches."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from hub.runtime.links import KombuLink
from hub.runtime.pika_link import PikaLink
from tests.conftest import clear_policy, set_policy
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

LICENCE = (RECORDS / "licence.json").read_bytes()


def test_the_worker_waits_for_confirms_once_per_batch_not_once_per_message(
    broker_url: str, make_hub: Callable[..., RunningHub], monkeypatch: pytest.MonkeyPatch
) -> None:
    settles: list[float] = []
    for link in (KombuLink, PikaLink):  # whichever the worker speaks on this broker

        def counting_settle(self: Any, timeout: float, real: Any = link.settle) -> set[int]:
            settles.append(timeout)
            return real(self, timeout)  # type: ignore[no-any-return]

        monkeypatch.setattr(link, "settle", counting_settle)
    hub = make_hub(broker_url, confirm_batch_size=100, prefetch_count=100)
    hub.open()
    inputs = 300
    for n in range(inputs):
        record = json.loads(LICENCE)
        record["licence_number"] = f"JY{n:014d}"
        hub.publish("market.administrative_licence", json.dumps(record, ensure_ascii=False).encode())
    hub.start()
    hub.wait_processed(inputs, timeout=120)
    assert len(hub.read("hub.out.city-platform", inputs)) == inputs
    assert hub.depth("hub.out.city-platform") == 0
    # 300 inputs x 2 outputs: a handful of waits, never one per message.
    assert 3 <= len(settles) <= 15, settles


def _hub_whose_credit_platform_queue_refuses(
    make_hub: Callable[..., RunningHub], url: str, **settings: Any
) -> RunningHub:
    """A started hub on RabbitMQ where every publish to hub.out.credit-platform is nacked."""
    hub = make_hub(url, **settings).open()  # declares the topology, so the policy finds its queue
    set_policy(url, "refuse", r"^hub\.out\.credit-platform$",
               '{"max-length": 0, "overflow": "reject-publish"}')
    return hub.start()


@pytest.mark.rabbitmq
def test_an_input_whose_outputs_the_broker_refuses_goes_to_the_retry_queue(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub]
) -> None:
    hub = _hub_whose_credit_platform_queue_refuses(
        make_hub, rabbitmq_url, max_attempts=3, retry_delay_seconds=3600
    )
    hub.publish("market.administrative_licence", LICENCE, message_id="m-refused")
    hub.wait_processed(1)
    [retried] = hub.read("hub.inbound.retry", 1)
    assert retried.body == LICENCE
    assert retried.headers["hub-attempt"] == 2
    assert retried.properties["message_id"] == "m-refused"
    assert hub.depth("hub.inbound") == 0, "the original was acked once its retry copy was safe"


@pytest.mark.rabbitmq
def test_after_its_last_attempt_a_refused_input_is_dead_lettered_with_its_reason(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub]
) -> None:
    hub = _hub_whose_credit_platform_queue_refuses(make_hub, rabbitmq_url, max_attempts=1)
    hub.publish("market.administrative_licence", LICENCE)
    hub.wait_processed(1)
    [dead] = hub.read("hub.inbound.dead", 1)
    assert dead.body == LICENCE
    assert json.loads(dead.headers["hub-dead-reason"]) == {"code": "publish.refused", "attempts": 1}
    assert hub.depth("hub.inbound.retry") == 0


@pytest.mark.rabbitmq
def test_a_retried_input_comes_back_after_the_delay_and_is_delivered(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub]
) -> None:
    hub = _hub_whose_credit_platform_queue_refuses(make_hub, rabbitmq_url, retry_delay_seconds=2)
    hub.publish("market.administrative_licence", LICENCE)
    hub.wait_processed(1)
    clear_policy(rabbitmq_url, "refuse")
    hub.wait_processed(2, timeout=30)
    [delivered] = hub.read("hub.out.credit-platform", 1)
    assert delivered.json()["payload"]["licence_number"] == "JY23101120012345"
    # The city platform got the record on both attempts: at-least-once, and the copies share
    # the idempotency key its consumer de-duplicates by.
    first, second = hub.read("hub.out.city-platform", 2)
    assert first.json()["content_hash"] == second.json()["content_hash"]
