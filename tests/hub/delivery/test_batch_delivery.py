"""Delivery in batches (the supervision database): one transaction for what has arrived, the
one-at-a-time contract kept per message; on the embedded broker and the real RabbitMQ."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest
from sqlalchemy import select

from hub.config.retry_schedule import parse_schedule
from hub.delivery.runner import DeliveryEvent, DeliveryRunner, RunnerPolicy
from hub.information import SUPERVISION_DB, StoreDestination
from hub.information.tables import RECORDS
from hub.journal import Journal
from schemas.contract.envelope import Envelope
from schemas.contract.errors import PermanentError
from schemas.contract.messages import OutboundMessage
from tests.information.conftest import Envelopes, sample
from tests.support.running_hub import RunningHub


class Running:
    """One delivery runner for ``supervision-db`` in a thread, its events collected."""

    def __init__(self, hub: RunningHub) -> None:
        self.hub = hub
        self.events: list[DeliveryEvent] = []
        self.journal = Journal.open(hub.settings.resolved_journal_url())
        self._threads: list[tuple[DeliveryRunner, threading.Thread]] = []

    def send(self, body: bytes) -> None:
        self.hub.publish_output(OutboundMessage("hub.outbound", SUPERVISION_DB, body,
                                                "application/json"))

    def start(self, destination: object) -> None:
        runner = DeliveryRunner(
            self.hub.settings.resolved_broker_url(), self.hub.hub.topology, SUPERVISION_DB,
            destination,  # type: ignore[arg-type]
            self.journal.delivery_keys,
            RunnerPolicy(parse_schedule("1h"), attempts_in_process=1, batch_size=50),
            on_event=self.events.append,
        )
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        assert runner.ready.wait(30)
        self._threads.append((runner, thread))

    def wait_settled(self, count: int, timeout: float = 30) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count:
            assert time.monotonic() < deadline, f"{len(self.events)} of {count} settled"
            time.sleep(0.05)
        tally: dict[str, int] = {}
        for event in self.events:
            tally[event.kind] = tally.get(event.kind, 0) + 1
        return tally

    def stop(self) -> None:
        for runner, thread in self._threads:
            runner.stop()
            thread.join(30)
        self.journal.close()


@pytest.fixture
def running(broker_url: str, make_hub: Callable[..., RunningHub]) -> Iterator[Running]:
    context = Running(make_hub(broker_url).open())
    yield context
    context.stop()


class CountingStore(StoreDestination):
    """The real supervision database, noting the size of each batch it is given."""

    def __init__(self, hub: RunningHub) -> None:
        super().__init__(hub.hub.open_supervision_store)
        self.batches: list[int] = []

    def deliver_batch(self, items: Sequence[tuple[Envelope, bytes]]) -> list[PermanentError | None]:
        self.batches.append(len(items))
        return super().deliver_batch(items)


def numbered(licence: dict[str, object], n: int) -> dict[str, object]:
    """Licence ``n``: its own licence and decision document numbers (its business key)."""
    return {**licence, "licence_number": f"JY{n:014d}",
            "decision_document_number": f"沪闵市监食许〔2024〕{n}号"}


def test_what_has_arrived_lands_in_batches_and_each_message_keeps_its_contract(
    running: Running,
) -> None:
    envelopes = Envelopes()
    licence = sample("administrative_licence")
    licences = [envelopes("administrative_licence", numbered(licence, n)) for n in range(40)]
    for envelope in licences:
        running.send(envelope.to_bytes())
    running.send(licences[1].to_bytes())  # a copy in the same delivery
    running.send(b"not an envelope")
    running.send(envelopes("feedback", sample("feedback")).to_bytes())
    withdrawn = envelopes("administrative_licence", {**numbered(licence, 0), "status": "2"})
    running.send(withdrawn.to_bytes())
    store = CountingStore(running.hub)
    running.start(store)
    tally = running.wait_settled(44)
    assert tally == {"delivered": 41, "duplicate": 1, "dead_lettered": 2}
    assert max(store.batches) > 1, store.batches
    assert sum(store.batches) == 42, "the copy is not landed again; the feedback is tried once"
    reasons = sorted(json.loads(dead.headers["hub-dead-reason"])["code"]
                     for dead in running.hub.read(f"hub.out.{SUPERVISION_DB}.dead", 2))
    assert reasons == ["delivery.refused", "envelope.invalid"]
    opened = running.hub.hub.open_supervision_store()
    try:
        with opened.reading() as connection:
            rows = {row.business_key: row for row in connection.execute(select(RECORDS))}
    finally:
        opened.close()
    assert len(rows) == 40
    assert [row.versions for key, row in rows.items() if row.message_id == withdrawn.message_id
            ] == [2]
    assert running.hub.depth(f"hub.out.{SUPERVISION_DB}") == 0
    assert running.journal.delivery_keys.delivered_among(
        SUPERVISION_DB, [e.content_hash for e in licences]) == {e.content_hash for e in licences}


class RefusingOne:
    """A batch destination that refuses whole batches holding the record numbered "BAD", as
    a database refuses a transaction with one value it cannot store."""

    def __init__(self) -> None:
        self.delivered: list[str] = []
        self.batches = 0

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        if envelope.payload["licence_number"] == "BAD":
            raise PermanentError("value too long for the licence number column")
        self.delivered.append(envelope.payload["licence_number"])

    def deliver_batch(self, items: Sequence[tuple[Envelope, bytes]]) -> list[PermanentError | None]:
        self.batches += 1
        if any(envelope.payload["licence_number"] == "BAD" for envelope, _body in items):
            raise PermanentError("value too long for the licence number column")
        for envelope, body in items:
            self.deliver(envelope, body)
        return [None] * len(items)


def test_a_batch_that_fails_as_a_whole_is_delivered_one_at_a_time(running: Running) -> None:
    envelopes = Envelopes()
    licence = sample("administrative_licence")
    numbers = [f"JY{n:014d}" for n in range(20)]
    numbers.insert(7, "BAD")
    for number in numbers:
        # Built valid, then given a number the destination refuses (as a database would).
        envelope = envelopes("administrative_licence", {**licence, "licence_number": "JY0"})
        payload = {**envelope.payload, "licence_number": number}
        running.send(envelope.model_copy(update={
            "payload": payload, "content_hash": hashlib.sha256(number.encode()).hexdigest(),
        }).to_bytes())
    destination = RefusingOne()
    running.start(destination)
    assert running.wait_settled(21) == {"delivered": 20, "dead_lettered": 1}
    assert sorted(destination.delivered) == numbers[:7] + numbers[8:]
    [dead] = running.hub.read(f"hub.out.{SUPERVISION_DB}.dead", 1)
    assert json.loads(dead.body)["payload"]["licence_number"] == "BAD"
    assert json.loads(dead.headers["hub-dead-reason"])["code"] == "delivery.refused"
