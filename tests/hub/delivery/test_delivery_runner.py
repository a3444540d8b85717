"""Delivery to a destination over HTTP: once, retried on the broker's clock, dead-lettered with reasons."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.rest.outbound import RestOutAdapter, RestOutConfig
from hub.config.retry_schedule import parse_schedule
from hub.delivery.runner import DeliveryEvent, DeliveryRunner, RunnerPolicy
from hub.journal import Journal
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.delay_pump import DelayPump
from schemas.contract.messages import InboundMessage, OutboundMessage
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub
from tests.support.webhook_server import WebhookServer

DESTINATION = "credit-platform"
SCHEDULE = "1s,1s"


@pytest.fixture
def server() -> Iterator[WebhookServer]:
    webhook = WebhookServer()
    yield webhook
    webhook.close()


class Delivering:
    """A hub plus running delivery runners; events are collected per destination."""

    def __init__(self, hub: RunningHub) -> None:
        self.hub = hub
        self.events: list[DeliveryEvent] = []
        self.journal = Journal.open(hub.settings.resolved_journal_url())
        self.keys = self.journal.delivery_keys
        self._runners: list[tuple[ConsumerLoop, threading.Thread]] = []
        if hub.settings.is_embedded():  # the embedded broker has no TTL: the pump does it
            self._start(DelayPump(hub.settings.resolved_broker_url(), hub.hub.topology, interval=0.1))

    def _start(self, loop: ConsumerLoop) -> None:
        thread = threading.Thread(target=loop.run, daemon=True)
        thread.start()
        assert loop.ready.wait(30)
        self._runners.append((loop, thread))

    def run(self, destination: str, url: str) -> DeliveryRunner:
        runner = DeliveryRunner(
            self.hub.settings.resolved_broker_url(),
            self.hub.hub.topology,
            destination,
            RestOutAdapter(
                RestOutConfig.model_validate({"kind": "rest-out", "url": url, "timeout_seconds": 2}),
                system="credit-platform",
            ),
            self.keys,
            RunnerPolicy(parse_schedule(self.hub.settings.delivery_retry_schedule),
                         attempts_in_process=2, first_wait_seconds=0.05,
                         max_pause_seconds=0.5),
            on_event=self.events.append,
        )
        self._start(runner)
        return runner

    def envelope(self, licence_number: str = "JY23101120012345", to: str = DESTINATION) -> OutboundMessage:
        record = json.loads((RECORDS / "licence.json").read_bytes())
        record["licence_number"] = licence_number
        outcome = self.hub.hub.processor().process(
            InboundMessage(json.dumps(record).encode(), "market.administrative_licence", "application/json")
        )
        message = next(o for o in outcome.outputs if o.routing_key == DESTINATION)
        return OutboundMessage(**{**message.__dict__, "routing_key": to})

    def wait_for(self, kind: str, count: int, destination: str = DESTINATION, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.count(kind, destination) < count:
            assert time.monotonic() < deadline, f"{self.count(kind, destination)} of {count} {kind}"
            time.sleep(0.05)

    def count(self, kind: str, destination: str = DESTINATION) -> int:
        return sum(1 for e in self.events if e.kind == kind and e.destination == destination)

    def stop(self) -> None:
        for runner, thread in self._runners:
            runner.stop()
            thread.join(30)
        self.journal.close()


@pytest.fixture
def delivering(
    request: pytest.FixtureRequest, broker_url: str, make_hub: Callable[..., RunningHub]
) -> Iterator[Delivering]:
    """On both brokers, with the schedule a test names in ``@pytest.mark.schedule("...")``."""
    marker = request.node.get_closest_marker("schedule")
    schedule = marker.args[0] if marker else SCHEDULE
    context = Delivering(make_hub(broker_url, delivery_retry_schedule=schedule).open())
    yield context
    context.stop()


def test_a_record_sent_twice_reaches_the_destination_once(delivering: Delivering, server: WebhookServer) -> None:
    message = delivering.envelope()
    delivering.hub.publish_output(message)
    delivering.hub.publish_output(message)
    delivering.run(DESTINATION, server.url)
    delivering.wait_for("delivered", 1)
    delivering.wait_for("duplicate", 1)
    assert len(server.accepted) == 1
    assert server.accepted[0]["payload"]["licence_number"] == "JY23101120012345"
    assert delivering.hub.depth(f"hub.out.{DESTINATION}") == 0


def test_a_refused_record_is_dead_lettered_with_its_reason_and_original_body(
    delivering: Delivering, server: WebhookServer
) -> None:
    server.status = 422
    message = delivering.envelope()
    delivering.hub.publish_output(message)
    delivering.run(DESTINATION, server.url)
    delivering.wait_for("dead_lettered", 1)
    [dead] = delivering.hub.read(f"hub.out.{DESTINATION}.dead", 1)
    assert dead.body == message.body
    reason = json.loads(dead.headers["hub-dead-reason"])
    assert reason["code"] == "delivery.refused" and reason["attempts"] == 1
    assert "422" in reason["last_error"]
    assert reason["first_failure_at"] == reason["last_failure_at"]
    assert server.requests == 1, "a permanent failure is not retried"


def test_an_unreadable_envelope_is_dead_lettered_not_lost(delivering: Delivering, server: WebhookServer) -> None:
    delivering.hub.publish_output(
        OutboundMessage("hub.outbound", DESTINATION, b"not an envelope", "application/json")
    )
    delivering.run(DESTINATION, server.url)
    delivering.wait_for("dead_lettered", 1)
    [dead] = delivering.hub.read(f"hub.out.{DESTINATION}.dead", 1)
    assert dead.body == b"not an envelope"
    assert json.loads(dead.headers["hub-dead-reason"])["code"] == "envelope.invalid"


@pytest.mark.schedule("2s,2s,2s,2s,2s")
def test_a_destination_down_for_a_while_gets_everything_once_it_is_back(
    delivering: Delivering, server: WebhookServer
) -> None:
    server.down()
    for n in range(5):
        delivering.hub.publish_output(delivering.envelope(f"JY{n:014d}"))
    delivering.run(DESTINATION, server.url)
    delivering.wait_for("retried", 5)
    server.up()
    delivering.wait_for("delivered", 5, timeout=60)
    assert sorted(r["payload"]["licence_number"] for r in server.accepted) == [
        f"JY{n:014d}" for n in range(5)
    ]
    assert delivering.hub.depth(f"hub.out.{DESTINATION}.dead") == 0


def test_after_the_whole_schedule_a_failing_delivery_is_dead_lettered_with_its_history(
    delivering: Delivering, server: WebhookServer
) -> None:
    server.status = 503
    message = delivering.envelope()
    delivering.hub.publish_output(message)
    delivering.run(DESTINATION, server.url)  # schedule 1s,1s: three rounds in all
    delivering.wait_for("dead_lettered", 1, timeout=60)
    [dead] = delivering.hub.read(f"hub.out.{DESTINATION}.dead", 1)
    reason: dict[str, Any] = json.loads(dead.headers["hub-dead-reason"])
    assert reason["code"] == "delivery.exhausted" and reason["attempts"] == 3
    assert reason["first_failure_at"] < reason["last_failure_at"]
    assert "503" in reason["last_error"]
    assert dead.body == message.body
    assert server.requests == 3 * 2, "three rounds of two in-process attempts"
    assert delivering.count("retried") == 2


@pytest.mark.schedule("1h")
def test_a_destination_that_is_down_does_not_hold_up_another(
    delivering: Delivering, server: WebhookServer
) -> None:
    dead_server = WebhookServer()
    dead_server.down()
    for n in range(20):
        delivering.hub.publish_output(delivering.envelope(f"JY{n:014d}", to="service-hall"))
        delivering.hub.publish_output(delivering.envelope(f"JY{n:014d}", to=DESTINATION))
    delivering.run("service-hall", dead_server.url)
    delivering.run(DESTINATION, server.url)
    delivering.wait_for("delivered", 20)
    assert delivering.count("delivered", "service-hall") == 0
    assert delivering.hub.depth("hub.out.service-hall") > 0, "waiting, not lost"
