"""The pipeline's hops kept in the message row read back exactly like hops recorded as events.

Each scenario journals the same input twice: once with its :class:`PipelineOutcome` in the
message row (as ``hub run`` writes it), once with the same hops recorded as separate events
and no outcome (as journals written before revision 0003 hold them). Every reader must answer
the same for both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection

from hub.journal import EVENT_KINDS, Journal, MessageQuery, PipelineOutcome
from hub.journal.passes import received_between
from tests.journal.conftest import T0, event, message

CODE = "91310112087994932F"

#: name -> (outcome, whether standardised, the hops it stands for: (kind, destination, detail))
SCENARIOS: dict[str, tuple[PipelineOutcome, bool, list[tuple[str, str | None, str]]]] = {
    "delivered": (
        PipelineOutcome("delivered", {"credit-platform": "r-credit", "city-platform": "r-city, r-all"},
                        feedback=True),
        True,
        [("received", None, ""), ("standardised", None, ""),
         ("routed", "city-platform", "r-city, r-all"), ("routed", "credit-platform", "r-credit"),
         ("feedback", "market", "delivered")],
    ),
    "rejected": (
        PipelineOutcome("rejected", reasons="credit_code.checksum, field.missing", feedback=True),
        False,
        [("received", None, ""), ("rejected", "quarantine", "credit_code.checksum, field.missing"),
         ("feedback", "market", "rejected")],
    ),
    "review": (
        PipelineOutcome("review", reasons="credit_code.unregistered"),
        True,
        [("received", None, ""), ("standardised", None, ""),
         ("review", "review", "credit_code.unregistered")],
    ),
}  # fmt: skip

DESTINATIONS = [None, "city-platform", "credit-platform", "review", "quarantine", "market", "tax"]


def journal_both_ways(journal: Journal, name: str) -> tuple[str, str]:
    """The scenario's input journaled with its outcome ("folded-...") and with its hops as
    events ("events-..."); both ids."""
    outcome, standardised, hops = SCENARIOS[name]
    payload: dict[str, Any] | None = {"licence_number": "JY1"} if standardised else None
    folded, recorded = f"folded-{name}", f"events-{name}"
    journal.record([message(folded, credit_code=CODE, payload=payload, outcome=outcome)], [])
    journal.record(
        [message(recorded, credit_code=CODE, payload=payload)],
        [event(recorded, kind, destination=destination, detail=detail, credit_code=CODE)
         for kind, destination, detail in hops],
    )
    return folded, recorded


def hops(events: list[Any]) -> list[tuple[str, str | None, str]]:
    return [(e.event, e.destination, e.detail) for e in events]


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_trace_unfolds_the_outcome_into_the_same_hops_as_recorded_events(
    journal: Journal, name: str
) -> None:
    folded, recorded = journal_both_ways(journal, name)
    expected = SCENARIOS[name][2]
    assert hops(journal.trace(folded)) == hops(journal.trace(recorded)) == expected
    assert {(e.at, e.credit_code, e.correlation_id) for e in journal.trace(folded)} == {
        (T0, CODE, f"corr-{folded}")}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_event_and_destination_filter_finds_both_or_neither(
    journal: Journal, name: str
) -> None:
    folded, recorded = journal_both_ways(journal, name)
    found_any = 0
    for kind in (None, *EVENT_KINDS):
        for destination in DESTINATIONS:
            if kind is None and destination is None:
                continue
            query = MessageQuery(event=kind, destination=destination)
            found = {m.message_id for m in journal.find_messages(query)}
            assert (folded in found) == (recorded in found), (kind, destination)
            found_any += folded in found
    # The control: the filters did select (received, every hop at its destination, ...).
    assert found_any >= len(SCENARIOS[name][2])


def test_the_timeline_holds_the_folded_hops_of_an_entitys_records_within_its_window(
    journal: Journal,
) -> None:
    for name in SCENARIOS:
        journal_both_ways(journal, name)
    timeline = journal.timeline(CODE)
    for name in SCENARIOS:
        folded = [(e.event, e.destination) for e in timeline if e.message_id == f"folded-{name}"]
        recorded = [(e.event, e.destination) for e in timeline
                    if e.message_id == f"events-{name}"]
        assert folded == recorded != []
    assert journal.timeline(CODE, since=T0 + timedelta(seconds=1)) == []
    assert journal.timeline(CODE, until=T0) == []
    assert journal.timeline("91310000000000000X") == []


def test_recorded_events_follow_the_folded_hops_in_time_order(journal: Journal) -> None:
    folded, _ = journal_both_ways(journal, "delivered")
    journal.record([], [
        event(folded, "delivered", minutes=2, destination="city-platform", attempt=1),
        # Another host whose clock runs behind recorded this one "before" the receipt.
        event(folded, "retried", minutes=-1, destination="credit-platform", attempt=1),
    ])
    kinds = [e.event for e in journal.trace(folded)]
    assert kinds[0] == "retried" and kinds[-1] == "delivered"
    assert kinds[1:-1] == [hop[0] for hop in SCENARIOS["delivered"][2]]


def test_reports_read_the_same_steps_from_both(journal: Journal) -> None:
    ids = {name: journal_both_ways(journal, name) for name in SCENARIOS}
    with journal._engine.connect() as connection:  # the reports read through a connection
        passes = read_passes(connection)
    for folded, recorded in ids.values():
        assert passes[folded] == passes[recorded] != ()


def read_passes(connection: Connection) -> dict[str, tuple[tuple[str, str | None], ...]]:
    return {
        received.message_id: tuple((s.kind, s.destination) for s in one.steps)
        for received, one in received_between(connection, T0, T0 + timedelta(minutes=1))
    }


def test_an_outcome_once_stored_is_kept_and_a_missing_one_is_filled_in(journal: Journal) -> None:
    outcome = SCENARIOS["review"][0]
    journal.record([message("m1")], [])
    journal.record([message("m1", outcome=outcome)], [])
    journal.record([message("m1", outcome=SCENARIOS["rejected"][0])], [])
    stored = journal.message("m1")
    assert stored is not None and stored.outcome == outcome


def test_an_outcome_refuses_an_unknown_status_and_routes_it_cannot_have() -> None:
    with pytest.raises(ValueError, match="unknown pipeline status"):
        PipelineOutcome("lost")
    with pytest.raises(ValueError, match="has no routes"):
        PipelineOutcome("rejected", {"tax": "r1"})
    outcome = SCENARIOS["delivered"][0]
    assert PipelineOutcome.from_document(outcome.document()) == outcome
