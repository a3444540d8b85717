"""The review verifier in a running hub (embedded broker and real RabbitMQ) against the
legal-entity library simulator over real HTTP: records under review (allow-listed codes, and
suspect codes whose organisation code is self-consistent) that the library confirms are
delivered enriched, the others quarantined, nothing is lost while the library is away, and
without a lookup records stay in review for people."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from adapters.sdk import EntityLookup, LegalEntity
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from hub.app.cli import main
from hub.assembly import Hub
from hub.config.retry_schedule import parse_schedule
from hub.journal import Journal, JournalEvent, JournalWriter
from hub.pipeline.processor import Outcome, Processor
from hub.review import ReviewPolicy, ReviewVerifier
from hub.runtime.loops import HubRuntime
from tests.hub.conftest import RECORDS
from tests.support.running_hub import Received, RunningHub

# Invented: valid characters, wrong check character, a self-consistent organisation code
# (M000100Y4), so each is held for review even when no allow-list names it.
PILOT = "91350100M000100Y44"
UNKNOWN = "91350100M000100Y45"
CLOSED = "91350100M000100Y46"
ALLOWED = {PILOT, UNKNOWN, CLOSED}
LICENCE = json.loads((RECORDS / "licence.json").read_bytes())
NAME = LICENCE["party"]["name"]
AUTHORITY = "上海市闵行区市场监督管理局"
DESTINATIONS = ("city-platform", "credit-platform")  # where the hub routes a market licence


def licence(code: str, number: str) -> bytes:
    record = {**LICENCE, "party": {**LICENCE["party"], "credit_code": code},
              "licence_number": number}
    return json.dumps(record, ensure_ascii=False).encode()


@dataclass
class ReviewHub:
    """A whole hub runtime, with a department's view of the broker and the journal."""

    running: RunningHub
    runtime: HubRuntime
    journal: Journal
    writer: JournalWriter
    outcomes: list[Outcome] = field(default_factory=list)

    def send(self, body: bytes, key: str = "market.administrative_licence") -> str:
        """Publish as market does; the hub's message id once the worker has processed it."""
        before = len(self.outcomes)
        self.running.publish(key, body)
        deadline = time.monotonic() + 30
        while len(self.outcomes) <= before:
            assert time.monotonic() < deadline, "the worker did not process the record"
            time.sleep(0.02)
        outcome = self.outcomes[before]
        assert outcome.status == "review", outcome.problems
        return outcome.message_id

    def feedback(self, count: int, *, codes: bool = False) -> dict[str, list[Any]]:
        """Feedback statuses per hub message id, from ``count`` messages to market; with
        ``codes``, each status as ``(status, [its problems' codes])``."""
        found: dict[str, list[Any]] = {}
        for message in self.running.read("hub.out.market", count, timeout=30):
            payload = message.json()["payload"]
            status = payload["status"]
            said = (status, [p["code"] for p in payload.get("problems") or []]) if codes else status
            found.setdefault(payload["regarding_message_id"], []).append(said)
        return found

    def trace(self, message_id: str, last: str, count: int = 1,
              timeout: float = 15) -> list[JournalEvent]:
        """The journaled hops of ``message_id`` once ``count`` of kind ``last`` are written.

        The journal is written in batches, by more than one process, so a hop
        becomes visible some time after the message has moved on.
        """
        deadline = time.monotonic() + timeout
        while True:
            events = self.journal.trace(message_id)
            written = sum(e.event == last for e in events)
            if written >= count or time.monotonic() > deadline:
                return events
            time.sleep(0.05)


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> Iterator[LegalEntityLibrarySimulator]:
    simulator = LegalEntityLibrarySimulator()
    simulator.start()
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    simulator.emit({"UNISCID": PILOT, "ENTNAME": NAME, "REGORG_CN": AUTHORITY,
                    "CHANGE_TYPE": "01"}, "enterprise_registration")
    simulator.emit({"UNISCID": CLOSED, "ENTNAME": NAME, "REGORG_CN": AUTHORITY,
                    "CHANGE_TYPE": "03"}, "enterprise_registration")
    yield simulator
    simulator.stop()


@pytest.fixture
def start_hub(
    broker_url: str, tmp_path: Path, library: LegalEntityLibrarySimulator
) -> Iterator[Callable[..., ReviewHub]]:
    """``start_hub(lookup=True, schedule="1s,...", allow_listed=True)``: a hub whose processor
    allow-lists the test's pilot codes (``allow_listed=False``: the shipped allow-list, which is
    empty, so the codes are held as suspect), with the library's lookup or none."""
    started: list[ReviewHub] = []

    def start(*, lookup: bool = True, schedule: str = "1s,1s,1s,1s,1s,1s,1s,1s",
              allow_listed: bool = True) -> ReviewHub:
        entry: dict[str, Any] = {"mode": "rest"}
        if lookup:
            entry["lookup"] = {**library.lookup_config(), "cache_seconds": 0,
                               "timeout_seconds": 2}
        connections = tmp_path / "connections.yaml"
        connections.write_text(yaml.safe_dump(
            {"connections": {"legal-entity-library": entry}}, allow_unicode=True),
            encoding="utf-8")
        running = RunningHub(broker_url, tmp_path, connections_file=connections,
                             delivery_retry_schedule=schedule).open()
        if allow_listed:
            _allow_pilot_codes(running.hub)
        journal = Journal.open(running.settings.resolved_journal_url())
        writer = JournalWriter(journal)
        outcomes: list[Outcome] = []
        runtime = running.hub.runtime(journal, writer, on_outcome=outcomes.append)
        hub = ReviewHub(running, runtime, journal, writer, outcomes)
        started.append(hub)
        hub.runtime.start()
        assert hub.runtime.wait_ready(30), "every loop of the hub is running"
        return hub

    yield start
    for hub in started:
        hub.runtime.stop()
        hub.runtime.join(60)
        hub.writer.close()
        hub.journal.close()
        hub.running.session.close()


def _allow_pilot_codes(hub: Hub) -> None:
    def processor() -> Processor:
        return Processor(systems=hub.systems, routes=hub.routes, mappings=hub.mappings,
                         max_message_bytes=hub.settings.max_message_bytes,
                         nonconforming_codes=ALLOWED)

    hub.processor = processor  # type: ignore[method-assign]


def _by_number(messages: list[Received]) -> dict[str, dict[str, Any]]:
    return {m.json()["payload"]["licence_number"]: m.json() for m in messages}


@pytest.mark.parametrize(("allow_listed", "held_as"), [
    (True, "credit_code.nonconforming"), (False, "credit_code.suspect")],
    ids=["allow-listed", "suspect"])
def test_confirmed_codes_are_delivered_enriched_and_the_others_quarantined(
    start_hub: Callable[..., ReviewHub], broker_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, allow_listed: bool, held_as: str,
) -> None:
    hub = start_hub(allow_listed=allow_listed)
    known = hub.send(licence(PILOT, "JY-KNOWN"))
    unknown = hub.send(licence(UNKNOWN, "JY-UNKNOWN"))
    closed = hub.send(licence(CLOSED, "JY-CLOSED"))

    for destination in DESTINATIONS:
        (delivered,) = hub.running.read(f"hub.out.{destination}", 1)
        envelope = delivered.json()
        assert (envelope["message_id"], envelope["payload"]["licence_number"]) == (known, "JY-KNOWN")
        [entity] = envelope["entities"]
        assert (entity["credit_code"], entity["name"], entity["registration_authority"],
                entity["status"], entity["path"]) == (PILOT, NAME, AUTHORITY, "存续",
                                                      "party.credit_code")
        assert [h["stage"] for h in envelope["hops"]][-2:] == ["verified", "routed"]
    quarantined = {json.loads(m.headers["hub-reasons"])[0]["message"]: m
                   for m in hub.running.read("hub.quarantine", 2)}
    assert {m.headers["hub-message-id"] for m in quarantined.values()} == {unknown, closed}
    assert any("is not registered" in why for why in quarantined)
    assert any("registration status 注销" in why for why in quarantined)
    assert all(json.loads(m.headers["hub-reasons"])[0]["code"] == "credit_code.unverified"
               for m in quarantined.values())

    held, unverified = ("review", [held_as]), ("rejected", ["credit_code.unverified"])
    assert hub.feedback(6, codes=True) == {
        known: [held, ("accepted", ["credit_code.verified"])], unknown: [held, unverified],
        closed: [held, unverified]}
    # The supervision database's runner may have delivered it meanwhile: its hops only.
    assert [(e.event, e.destination) for e in hub.trace(known, "feedback", count=2)
            if e.event != "delivered"][-6:] == [
        ("feedback", "market"), ("verified", "review"), ("routed", "city-platform"),
        ("routed", "credit-platform"), ("routed", "supervision-db"), ("feedback", "market")]
    rejected = [e for e in hub.trace(unknown, "rejected") if e.event == "rejected"]
    assert [(e.destination, e.detail.split(":")[0]) for e in rejected] == [
        ("quarantine", "credit_code.unverified")]
    assert hub.running.depth("hub.review") == 0

    monkeypatch.setenv("HUB_BROKER_URL", broker_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["trace", known], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    traced = [json.loads(line) for line in result.output.splitlines()]
    verified = next(e for e in traced if e["event"] == "verified")
    assert PILOT in verified["detail"] and AUTHORITY in verified["detail"]


def test_while_the_library_is_away_records_wait_unhammered_and_are_delivered_after(
    start_hub: Callable[..., ReviewHub], library: LegalEntityLibrarySimulator,
) -> None:
    hub = start_hub()
    with library.server.outage(503):
        before = library.server.requests
        sent = [hub.send(licence(PILOT, f"JY-LATER-{n}")) for n in range(4)]
        retried = [e for e in hub.trace(sent[0], "retried") if e.event == "retried"]
        assert retried and "503" in retried[0].detail
        time.sleep(3)
        # Four records parked for 1 s each would cost a dozen lookups in 3 s without the pause.
        asked = library.server.requests - before
        assert 1 <= asked <= 5, f"{asked} lookups in about 3 s: the library is being hammered"
        assert hub.running.depth("hub.out.city-platform") == 0
    delivered = hub.running.read("hub.out.city-platform", 4, timeout=40)
    assert sorted(m.json()["message_id"] for m in delivered) == sorted(sent)
    assert {m.json()["entities"][0]["status"] for m in delivered} == {"存续"}
    assert hub.feedback(8) == {message_id: ["review", "accepted"] for message_id in sent}


def test_what_the_library_cannot_settle_is_handed_to_people_with_the_reason(
    start_hub: Callable[..., ReviewHub], library: LegalEntityLibrarySimulator,
) -> None:
    hub = start_hub(schedule="1s")
    report = {"discipline_id": "LHCJ-2026-0001", "enforcing_department": "market",
              "target_credit_code": PILOT, "status": "received"}
    nameless = hub.send(json.dumps(report).encode(), "market.discipline_report")
    with library.server.outage(401):
        refused = hub.send(licence(PILOT, "JY-REFUSED"))
        hub.trace(refused, "dead_lettered")
    with library.server.outage(503):
        away = hub.send(licence(PILOT, "JY-AWAY"))
        hub.trace(away, "dead_lettered")
    dead = {m.properties.get("message_id"): json.loads(m.headers["hub-dead-reason"])
            for m in hub.running.read("hub.review.dead", 3)}
    assert {key: reason["code"] for key, reason in dead.items()} == {
        nameless: "review.undecidable", refused: "review.lookup_refused",
        away: "review.lookup_unavailable"}
    assert dead[away]["attempts"] == 2
    assert [e.event for e in hub.trace(away, "dead_lettered")][-2:] == ["retried", "dead_lettered"]
    assert hub.running.depth("hub.out.city-platform") == 0


def test_without_a_lookup_records_stay_in_review_for_people(
    start_hub: Callable[..., ReviewHub], library: LegalEntityLibrarySimulator,
) -> None:
    hub = start_hub(lookup=False)
    assert not [name for name in hub.runtime.loops if name.startswith("verify")]
    message_id = hub.send(licence(PILOT, "JY-PEOPLE"))
    assert hub.feedback(1) == {message_id: ["review"]}
    (waiting,) = hub.running.read("hub.review", 1)
    assert waiting.json()["message_id"] == message_id and "entities" not in waiting.json()
    assert library.server.requests == 0


class PortOnly(EntityLookup):
    """A library behind the SDK's port and nothing else: answers from a dict, keeps what it
    was asked and whether it was closed."""

    def __init__(self, entities: dict[str, LegalEntity]) -> None:
        self.entities = entities
        self.asked: list[str] = []
        self.closed = False

    def lookup(self, credit_code: str) -> LegalEntity | None:
        self.asked.append(credit_code)
        return self.entities.get(credit_code)

    def close(self) -> None:
        self.closed = True


def test_the_verifier_settles_review_through_any_entity_lookup_port(
    start_hub: Callable[..., ReviewHub], library: LegalEntityLibrarySimulator,
) -> None:
    hub = start_hub(lookup=False)
    port = PortOnly({PILOT: LegalEntity(PILOT, NAME, AUTHORITY, "在业")})
    core = hub.running.hub
    verifier = ReviewVerifier(core.settings.resolved_broker_url(), core.topology, port,
                              core.routes, core.systems.ids, ReviewPolicy(parse_schedule("1s")))
    known = hub.send(licence(PILOT, "JY-PORT"))
    unknown = hub.send(licence(UNKNOWN, "JY-PORT-UNKNOWN"))
    thread = threading.Thread(target=verifier.run, name="verify:test")
    thread.start()
    try:
        (delivered,) = hub.running.read("hub.out.city-platform", 1, timeout=30)
        assert delivered.json()["message_id"] == known
        assert delivered.json()["entities"][0]["status"] == "在业"
        (quarantined,) = hub.running.read("hub.quarantine", 1, timeout=30)
        assert quarantined.headers["hub-message-id"] == unknown
    finally:
        verifier.stop()
        thread.join(30)
    assert sorted(port.asked) == sorted([PILOT, UNKNOWN]) and port.closed
    assert library.server.requests == 0, "the port alone answered"
