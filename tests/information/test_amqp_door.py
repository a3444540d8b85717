"""The information service's AMQP door against the real RabbitMQ: departments ask with their own
broker users (the broker checks ``user_id``), answers come back on direct reply-to or the
caller's own reply queue with the question's ``correlation_id``, every error is an error reply
with the REST door's code, and a return address the caller does not own gets nothing."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pika.exceptions
import pytest
import yaml
from kombu import Producer, Queue

from hub.app.amqp.information_door import MAX_QUESTION_BYTES, InformationDoor
from hub.assembly import Hub
from hub.information.access import AccessPolicy
from hub.information.desk import InformationDesk
from hub.information.service import InformationService
from hub.runtime.broker import BrokerSession
from schemas.contract.topology import INFORMATION
from tests.adapters.amqp.harness import AmqpDirectHarness, department_on
from tests.information.conftest import (
    ENTITY,
    HALL_TOKEN,
    OFFICER_TOKEN,
    PERSON_ID,
    POLICY,
    hub_with_samples,
)

DIRECT = "amq.rabbitmq.reply-to"


def policy(tmp_path: Path, hall_user: str, officer_user: str) -> AccessPolicy:
    """The doors' policy, each caller with its broker user."""
    hall, officer = POLICY["callers"]
    callers = {"callers": [{**hall, "broker_user": hall_user},
                           {**officer, "broker_user": officer_user}]}
    path = tmp_path / "access.yaml"
    path.write_text(yaml.safe_dump(callers, allow_unicode=True), encoding="utf-8")
    return AccessPolicy.load(path)


class DoorRunning:
    """``hub``'s AMQP door in a thread; stopped (and its failure re-raised) at the end."""

    def __init__(self, hub: Hub, access: AccessPolicy) -> None:
        self.journal = hub.open_journal()
        self.store = hub.open_supervision_store()
        self.door = InformationDoor(
            hub.settings.resolved_broker_url(), hub.topology,
            InformationDesk(InformationService(self.store, self.journal.audit)), access)
        self.thread = threading.Thread(target=self.door.run, daemon=True)
        self.thread.start()
        assert self.door.ready.wait(30), "the door did not start"

    def audits(self) -> list[tuple[str, str, str]]:
        return [(a.actor, a.action, a.reason) for a in self.journal.audits()]

    def stop(self) -> None:
        self.door.stop()
        self.thread.join(30)
        assert not self.thread.is_alive()
        self.store.close()
        self.journal.close()


@pytest.fixture
def world(rabbitmq_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[tuple[AmqpDirectHarness, AmqpDirectHarness, DoorRunning]]:
    """The service hall and the police as departments with broker users of their own, and the
    door running on the hub's (admin) connection to the same vhost."""
    monkeypatch.setenv("TEST_INFO_HALL", HALL_TOKEN)
    monkeypatch.setenv("TEST_INFO_OFFICER", OFFICER_TOKEN)
    with department_on(rabbitmq_url, "service-hall") as hall, \
            department_on(rabbitmq_url, "police") as police:
        hall.adapter().start()
        police.adapter().start()
        hub = hub_with_samples(tmp_path, rabbitmq_url)
        running = DoorRunning(hub, policy(tmp_path, hall.username, police.username))
        try:
            yield hall, police, running
        finally:
            running.stop()


def ask(harness: AmqpDirectHarness, question: dict[str, Any] | bytes, *,
        reply_to: str = DIRECT, user_id: str | None = None, as_admin: bool = False,
        timeout: float = 15) -> tuple[dict[str, Any], dict[str, Any]]:
    """Publish ``question`` to hub.information as the department (or as ``guest``) and wait for
    the answer on direct reply-to: (its body, its headers); checks the correlation id."""
    body = question if isinstance(question, bytes) else json.dumps(
        question, ensure_ascii=False).encode()
    correlation_id = str(uuid.uuid4())
    answers: list[tuple[Any, bytes]] = []
    with harness.channel(as_admin=as_admin) as channel:
        if reply_to == DIRECT:
            channel.basic_consume(DIRECT, lambda _c, _m, props, body: answers.append((props, body)),
                                  auto_ack=True)
        properties = pika.BasicProperties(
            content_type="application/json", correlation_id=correlation_id, reply_to=reply_to,
            user_id=user_id or ("guest" if as_admin else harness.username))
        channel.basic_publish(INFORMATION, "question", body, properties, mandatory=True)
        if reply_to != DIRECT:
            return {}, {}
        deadline = time.monotonic() + timeout
        while not answers:
            assert time.monotonic() < deadline, "no answer"
            channel.connection.process_data_events(time_limit=0.1)
    properties, answer = answers[0]
    assert properties.correlation_id == correlation_id
    assert properties.content_type == "application/json"
    return json.loads(answer), dict(properties.headers or {})


def profile_question(**changes: Any) -> dict[str, Any]:
    return {"operation": "profile", "purpose": "行政审批", "credit_code": ENTITY,
            "as_of": "2025-06-01", **changes}


@pytest.mark.rabbitmq
def test_a_profile_comes_back_on_direct_reply_to_as_the_policy_trims_it(world: Any) -> None:
    hall, _police, running = world
    body, headers = ask(hall, profile_question())
    assert headers == {"hub-outcome": "answer"}
    [licence] = body["answer"]["licences_in_force"]
    assert licence["payload"] == {"party": {"name": "上海闵行示例餐饮有限公司"},
                                  "licence_number": "JY23101120012345", "valid_to": "2029-02-28"}
    assert body["answer"]["inspections"] == []  # not in its policy
    assert running.audits() == [("service-hall", "query.profile", "行政审批")]


@pytest.mark.rabbitmq
def test_every_operation_answers_through_the_door(world: Any) -> None:
    hall, police, _running = world
    check, _ = ask(hall, {"operation": "discipline_check", "purpose": "行政审批",
                          "credit_code": ENTITY, "department": "commerce",
                          "licence_item": "政府采购", "on": "2025-06-01"})
    assert check["answer"]["restricted"] is True
    search, _ = ask(hall, {"operation": "search_by_name", "purpose": "行政审批",
                           "name": "上海闵行"})
    assert [hit["credit_code"] for hit in search["answer"]["hits"]] == [ENTITY]
    person, _ = ask(police, {"operation": "search_by_person", "purpose": "个人信息核查",
                             "id_number": PERSON_ID})
    [record] = person["answer"]["records"]
    assert record["payload"]["party"]["id_number"] == PERSON_ID


@pytest.mark.rabbitmq
def test_the_answer_goes_to_the_callers_own_reply_queue(world: Any) -> None:
    hall, _police, _running = world
    queue = "hub.reply.service-hall.answers"
    with hall.channel() as channel:
        channel.queue_declare(queue, durable=True)
    ask(hall, profile_question(), reply_to=queue)
    with hall.channel() as channel:
        deadline = time.monotonic() + 15
        while (got := channel.basic_get(queue, auto_ack=True))[0] is None:
            assert time.monotonic() < deadline, "no answer in the reply queue"
            time.sleep(0.05)
    _method, properties, body = got
    assert properties.headers == {"hub-outcome": "answer"}
    assert json.loads(body)["answer"]["credit_code"] == ENTITY


@pytest.mark.rabbitmq
@pytest.mark.parametrize(("question", "code"), [
    (b"not json", "validation_error"),
    ({"operation": "delete_everything", "purpose": "行政审批"}, "validation_error"),
    (profile_question(credit_code="91350100M000100Y4Z"), "query.credit_code_invalid"),
    (profile_question(purpose="市场营销"), "query.forbidden"),
    ({"operation": "search_by_person", "purpose": "行政审批", "id_number": PERSON_ID},
     "query.forbidden"),
    (profile_question(as_of="1900-01-01"), "query.date_out_of_range"),
    (b'{"operation": "profile", "purpose": "' + b"x" * MAX_QUESTION_BYTES + b'"}', "too_large"),
])
def test_a_bad_question_gets_an_error_reply_with_its_code(
    world: Any, question: dict[str, Any] | bytes, code: str
) -> None:
    hall, _police, running = world
    body, headers = ask(hall, question)
    assert headers == {"hub-outcome": "error"}
    assert body["error"]["code"] == code, body
    assert "Traceback" not in body["error"]["message"]
    assert PERSON_ID not in json.dumps(body, ensure_ascii=False)
    assert running.audits() == []


@pytest.mark.rabbitmq
def test_a_user_no_caller_has_hears_it_is_unauthenticated(world: Any) -> None:
    hall, _police, running = world
    body, _ = ask(hall, profile_question(), as_admin=True)  # guest: in no caller's entry
    assert body["error"]["code"] == "auth.unauthenticated"
    assert running.audits() == []


@pytest.mark.rabbitmq
def test_the_broker_refuses_a_question_in_another_users_name(world: Any) -> None:
    hall, police, _running = world
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        ask(hall, profile_question(), user_id=police.username)
    assert refused.value.reply_code == 406  # PRECONDITION_FAILED: user_id is not the user's


@pytest.mark.rabbitmq
def test_a_return_address_the_caller_does_not_own_gets_nothing(world: Any) -> None:
    hall, police, running = world
    theirs = "hub.reply.police.answers"
    with police.channel() as channel:
        channel.queue_declare(theirs, durable=True)
    for address in (theirs, "hub.out.police", "hub.inbound"):
        ask(hall, profile_question(), reply_to=address)
    # The door goes on answering; what it answered before was dropped, not written anywhere.
    body, _ = ask(hall, profile_question())
    assert "answer" in body
    with police.channel(as_admin=True) as channel:
        for queue in (theirs, "hub.out.police"):
            assert channel.queue_declare(queue, passive=True).method.message_count == 0
    assert [a[1] for a in running.audits()] == ["query.profile"]


def test_the_door_answers_on_the_embedded_broker_into_a_reply_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_INFO_HALL", HALL_TOKEN)
    monkeypatch.setenv("TEST_INFO_OFFICER", OFFICER_TOKEN)
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    hub = hub_with_samples(tmp_path, url)
    running = DoorRunning(hub, policy(tmp_path, "hall-user", "officer-user"))
    queue = Queue("hub.reply.service-hall.answers", durable=True)
    try:
        # On kombu's embedded transport a publisher declares the exchanges it publishes to.
        with BrokerSession(url, hub.topology) as session:
            channel = session.default_channel
            queue(channel).declare()
            Producer(channel).publish(
                json.dumps(profile_question()).encode(), exchange=INFORMATION,
                routing_key="question", content_type="application/json",
                content_encoding="binary", reply_to=queue.name, correlation_id="q-1",
                user_id="hall-user")
            deadline = time.monotonic() + 15
            while (answer := queue(channel).get(no_ack=True)) is None:
                assert time.monotonic() < deadline, "no answer in the reply queue"
                time.sleep(0.1)
        assert answer.properties["correlation_id"] == "q-1"
        assert answer.headers == {"hub-outcome": "answer"}
        assert json.loads(answer.body)["answer"]["credit_code"] == ENTITY
    finally:
        running.stop()
