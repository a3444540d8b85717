"""The reconciliation report's computation: every state, the day in Shanghai, feedback, delays.

The journal tests run on SQLite and on the real PostgreSQL (skipped on a laptop without it,
failing under CI=true). Each scenario gets a source of its own, so its row shows its state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event

from hub.journal import Journal, JournalEvent, JournalMessage
from hub.journal.engine import create_journal_engine
from hub.journal.passes import Pass, Step
from monitor import report as report_module
from monitor.fate import Fate, judge
from monitor.report import (
    TOTAL,
    ReconciliationError,
    Report,
    SourceRow,
    day_window,
    nearest_rank,
    reconcile,
)
from schemas.contract.messages import REPLAY_OF_HEADER
from tests.journal.conftest import event as journal_event
from tests.journal.conftest import message as journal_message

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 28)
#: 10:00 on DAY in Shanghai.
T = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
#: Destinations with an outbound adapter; city-platform and market read their queues.
ADAPTERS = frozenset({"credit-platform", "tax"})
NOW = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)


@pytest.fixture
def journal(journal_url: str) -> Iterator[Journal]:
    journal = Journal.open(journal_url)
    yield journal
    journal.close()


@pytest.fixture
def engine(journal: Journal, journal_url: str) -> Iterator[Engine]:
    engine = create_journal_engine(journal_url)
    yield engine
    engine.dispose()


def received(
    message_id: str, source: str, *, at: datetime = T, **fields: Any
) -> tuple[JournalMessage, JournalEvent]:
    """A message from ``source`` and its ``received`` event."""
    return (
        journal_message(message_id, at=at, source=source,
                        routing_key=f"{source}.administrative_licence", **fields),
        step(message_id, source, "received", at=at),
    )  # fmt: skip


def step(
    message_id: str, source: str, kind: str, destination: str | None = None, *,
    seconds: float = 0, at: datetime = T,
) -> JournalEvent:
    """An event of ``message_id`` ``seconds`` after ``at``."""
    return journal_event(message_id, kind, at=at + timedelta(seconds=seconds), source=source,
                         destination=destination)  # fmt: skip


class Book:
    """Collects messages and events, then records them in one batch."""

    def __init__(self) -> None:
        self.messages: list[JournalMessage] = []
        self.events: list[JournalEvent] = []

    def message(
        self, message_id: str, source: str, *steps: tuple[Any, ...], at: datetime = T,
        **fields: Any,
    ) -> None:
        """A message and its steps: (kind, destination, seconds after ``at``)."""
        stored, first = received(message_id, source, at=at, **fields)
        self.messages.append(stored)
        self.events.append(first)
        for kind, destination, seconds in steps:
            self.events.append(step(message_id, source, kind, destination, seconds=seconds, at=at))

    def record(self, journal: Journal) -> None:
        journal.record(self.messages, self.events)


def _every_state(book: Book) -> None:
    """One source per scenario; the expected row of each is in EXPECTED."""
    book.message("queue-only", "queue-only", ("standardised", None, 0),
                 ("routed", "city-platform", 0))
    book.message("adapter-delivered", "adapter-delivered", ("routed", "credit-platform", 0),
                 ("delivered", "credit-platform", 30))
    book.message("duplicate", "duplicate", ("routed", "credit-platform", 0),
                 ("duplicate", "credit-platform", 5))
    book.message("retrying", "retrying", ("routed", "credit-platform", 0),
                 ("retried", "credit-platform", 40))
    book.message("routed-only", "routed-only", ("routed", "tax", 0))
    book.message("rejected", "rejected", ("rejected", "quarantine", 0),
                 ("feedback", "rejected", 0))
    book.message("dead", "dead", ("routed", "tax", 0), ("dead_lettered", "tax", 90))
    # A dead letter sent again with `hub dead-letters retry` keeps its message id.
    book.message("dead-retried", "dead-retried", ("routed", "tax", 0),
                 ("dead_lettered", "tax", 60), ("delivered", "tax", 600))
    book.message("half-dead", "half-dead", ("routed", "city-platform", 0),
                 ("routed", "tax", 0), ("dead_lettered", "tax", 60))
    book.message("in-review", "in-review", ("review", "review", 0),
                 ("feedback", "in-review", 0), ("retried", "review", 30))
    book.message("handed-over", "handed-over", ("review", "review", 0),
                 ("retried", "review", 30), ("dead_lettered", "review", 3600))
    # The verifier's clock runs behind the worker's: its verdict still follows the review.
    book.message("verified", "verified", ("review", "review", 0), ("verified", "review", -1),
                 ("routed", "credit-platform", -1), ("feedback", "verified", -1),
                 ("delivered", "credit-platform", 120))
    book.message("routed-nowhere", "routed-nowhere", ("standardised", None, 0))


EXPECTED = {  # source: (received, delivered, rejected, dead_lettered, in_flight, feedback)
    "queue-only": (1, 1, 0, 0, 0, 0),
    "adapter-delivered": (1, 1, 0, 0, 0, 0),
    "duplicate": (1, 1, 0, 0, 0, 0),
    "retrying": (1, 0, 0, 0, 1, 0),
    "routed-only": (1, 0, 0, 0, 1, 0),
    "rejected": (1, 0, 1, 0, 0, 1),
    "dead": (1, 0, 0, 1, 0, 0),
    "dead-retried": (1, 1, 0, 0, 0, 0),
    "half-dead": (1, 0, 0, 1, 0, 0),
    "in-review": (1, 0, 0, 0, 1, 1),
    "handed-over": (1, 0, 0, 1, 0, 0),
    "verified": (1, 1, 0, 0, 0, 1),
    "routed-nowhere": (1, 1, 0, 0, 0, 0),
}


def _counts(row: SourceRow) -> tuple[int, ...]:
    return (row.received, row.delivered, row.rejected, row.dead_lettered, row.in_flight,
            row.with_feedback)  # fmt: skip


def _sources(report: Report) -> dict[str, SourceRow]:
    return {row.source: row for row in report.sources}


def _reconcile(engine: Engine, day: date = DAY, zone: ZoneInfo = SHANGHAI) -> Report:
    return reconcile(engine, day, zone, delivered_by_hub=ADAPTERS, now=NOW)


def test_every_message_is_in_exactly_the_state_its_events_say(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    _every_state(book)
    book.record(journal)
    report = _reconcile(engine)
    assert {source: _counts(row) for source, row in _sources(report).items()} == EXPECTED
    total = report.source_total
    assert total.source == TOTAL
    assert _counts(total) == (13, 6, 1, 3, 3, 3)
    assert total.received == total.delivered + total.rejected + total.dead_lettered + total.in_flight
    assert report.generated_at == NOW and report.time_zone == "Asia/Shanghai"


def test_the_destination_view_counts_each_routed_copy_by_its_state_there(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    _every_state(book)
    book.record(journal)
    report = _reconcile(engine)
    rows = {d.destination: (d.routed, d.delivered, d.dead_lettered, d.in_flight)
            for d in report.destinations}  # fmt: skip
    assert rows == {
        # queue-only, half-dead's copy
        "city-platform": (2, 2, 0, 0),
        # adapter-delivered, duplicate, verified delivered; retrying in flight
        "credit-platform": (4, 3, 0, 1),
        # dead, half-dead dead; dead-retried delivered; routed-only in flight
        "tax": (4, 1, 2, 1),
    }
    total = report.destination_total
    assert (total.destination, total.routed, total.delivered, total.dead_lettered,
            total.in_flight) == (TOTAL, 10, 6, 2, 2)  # fmt: skip


def test_delays_are_timed_to_delivered_or_to_routed_at_queue_only_destinations(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    _every_state(book)
    book.record(journal)
    sources = _sources(_reconcile(engine))
    assert sources["queue-only"].delay_median_seconds == 0.0
    assert sources["adapter-delivered"].delay_median_seconds == 30.0
    assert sources["dead-retried"].delay_p99_seconds == 600.0
    # A duplicate is not timed; neither is a copy still retrying.
    assert sources["duplicate"].timed_copies == 0
    assert sources["duplicate"].delay_median_seconds is None
    assert sources["retrying"].delay_p99_seconds is None
    # half-dead: its queue-only copy is timed although the message is dead-lettered.
    assert sources["half-dead"].timed_copies == 1


def test_median_and_p99_are_nearest_rank_over_one_sources_copies(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    # 100 copies delivered after 1, 2, ..., 100 seconds, and one copy to a queue-only system.
    for n in range(1, 101):
        book.message(f"m{n}", "market", ("routed", "tax", 0), ("delivered", "tax", n))
    book.message("q", "market", ("routed", "city-platform", 0))
    book.record(journal)
    [market] = _reconcile(engine).sources
    assert market.timed_copies == 101
    # Sorted: 0, 1, 2, ..., 100 (101 values): rank ceil(50.5) = 51 -> 50; ceil(99.99) = 100 -> 99.
    assert market.delay_median_seconds == 50.0
    assert market.delay_p99_seconds == 99.0


def test_nearest_rank_picks_an_observed_value() -> None:
    assert nearest_rank([], 50) is None
    assert nearest_rank([7.0], 50) == 7.0 and nearest_rank([7.0], 99) == 7.0
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert nearest_rank([1.0, 2.0, 3.0, 4.0], 99) == 4.0
    assert nearest_rank([float(n) for n in range(1, 201)], 99) == 198.0


def test_the_feedback_rate_is_the_share_of_received_messages_with_feedback(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    book.message("a", "market", ("rejected", "quarantine", 0), ("feedback", "market", 0))
    book.message("b", "market", ("review", "review", 0), ("feedback", "market", 0),
                 ("verified", "review", 10), ("feedback", "market", 10))
    book.message("c", "market", ("routed", "city-platform", 0))
    book.message("d", "market", ("routed", "city-platform", 0))
    book.record(journal)
    [market] = _reconcile(engine).sources
    assert market.with_feedback == 2
    assert market.feedback_rate == 0.5


def test_the_day_is_a_calendar_day_in_shanghai(journal: Journal, engine: Engine) -> None:
    midnight = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # 2026-11-28 00:00 in Shanghai
    book = Book()
    book.message("before", "market", at=midnight - timedelta(microseconds=1))
    book.message("first", "market", at=midnight)
    book.message("last", "market", at=midnight + timedelta(days=1, microseconds=-1))
    book.message("next-day", "market", at=midnight + timedelta(days=1))
    book.record(journal)
    assert day_window(DAY, SHANGHAI) == (midnight, midnight + timedelta(days=1))
    assert _reconcile(engine).source_total.received == 2
    # The same date in UTC holds "last" (2026-11-28T15:59Z) and "next-day" (16:00Z).
    assert _reconcile(engine, zone=ZoneInfo("UTC")).source_total.received == 2
    assert _reconcile(engine, day=date(2026, 11, 27)).source_total.received == 1
    assert _reconcile(engine, day=date(2026, 11, 29)).source_total.received == 1


def _replay(book: Book, original: str, copy: str, source: str, *steps: tuple[Any, ...],
            at: datetime) -> None:  # fmt: skip
    """``hub replay`` of ``original``: its replayed event, and the copy the worker received."""
    book.events.append(step(original, source, "replayed", at=at))
    book.message(copy, source, *steps, at=at, headers={REPLAY_OF_HEADER: original})


def test_a_dead_letter_replayed_then_delivered_counts_as_delivered(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    book.message("m1", "market", ("routed", "tax", 0), ("routed", "city-platform", 0),
                 ("dead_lettered", "tax", 60))
    _replay(book, "m1", "copy1", "market", ("routed", "tax", 0), ("routed", "city-platform", 0),
            ("delivered", "tax", 5), at=T + timedelta(hours=1))
    book.record(journal)
    report = _reconcile(engine)
    [market] = report.sources
    assert _counts(market) == (1, 1, 0, 0, 0, 0), "the copy is not received again"
    assert market.replay_copies == 1
    # city-platform had it when first routed (0 s); tax 3605 s after the original arrived.
    assert (market.delay_median_seconds, market.delay_p99_seconds) == (0.0, 3605.0)
    assert {d.destination: (d.routed, d.delivered) for d in report.destinations} == {
        "city-platform": (1, 1), "tax": (1, 1),
    }


def test_a_replay_copy_not_yet_delivered_keeps_its_original_in_flight(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    book.message("m1", "market", ("routed", "tax", 0), ("dead_lettered", "tax", 60))
    _replay(book, "m1", "copy1", "market", ("routed", "tax", 0), at=T + timedelta(hours=1))
    book.record(journal)
    [market] = _reconcile(engine).sources
    assert _counts(market) == (1, 0, 0, 0, 1, 0)


def test_a_replay_copy_rejected_makes_its_original_rejected(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    book.message("m1", "market", ("routed", "city-platform", 0))
    _replay(book, "m1", "copy1", "market", ("rejected", "quarantine", 0),
            at=T + timedelta(hours=2))
    book.record(journal)
    [market] = _reconcile(engine).sources
    assert _counts(market) == (1, 0, 1, 0, 0, 0)


def test_replay_copies_received_days_later_and_copies_of_copies_count_with_the_original(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    book.message("m1", "market", ("rejected", "quarantine", 0))
    later = T + timedelta(days=2)
    _replay(book, "m1", "copy1", "market", ("rejected", "quarantine", 0), at=later)
    _replay(book, "copy1", "copy2", "market", ("routed", "tax", 0), ("delivered", "tax", 8),
            at=later + timedelta(hours=3))
    book.record(journal)
    [market] = _reconcile(engine).sources
    assert _counts(market) == (1, 1, 0, 0, 0, 0)
    assert market.delay_median_seconds == (timedelta(days=2, hours=3, seconds=8)).total_seconds()
    # On the day the copies were received, they are no new input.
    [copies] = _reconcile(engine, day=date(2026, 11, 30)).sources
    assert (copies.received, copies.replay_copies) == (0, 2)


def test_the_report_reads_no_bodies_payloads_or_headers(journal: Journal, engine: Engine) -> None:
    book = Book()
    book.message("m1", "market", ("routed", "tax", 0), ("dead_lettered", "tax", 60))
    _replay(book, "m1", "copy1", "market", ("routed", "tax", 0), at=T + timedelta(hours=1))
    book.record(journal)
    statements: list[str] = []

    def capture(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    _reconcile(engine)
    selects = [s for s in statements if "journal_messages" in s]
    assert len(selects) == 2, "the day's messages, then the replay copies"
    for statement in selects:
        selected = statement.split("FROM")[0]
        assert "body" not in selected and "payload" not in selected
        assert selected.count("journal_messages.headers") == 1, "one value extracted from it"


def test_a_message_classified_outside_the_four_states_stops_the_report(
    journal: Journal, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = Book()
    book.message("m1", "market", ("routed", "city-platform", 0))
    book.record(journal)
    monkeypatch.setattr(report_module, "judge", lambda passes, adapters: Fate("lost", {}, (), False))
    with pytest.raises(ReconciliationError, match="lost"):
        _reconcile(engine)


def test_the_report_runs_on_a_connection_the_caller_holds(
    journal: Journal, engine: Engine
) -> None:
    book = Book()
    book.message("m1", "market", ("routed", "tax", 0), ("delivered", "tax", 3))
    book.record(journal)
    with engine.connect() as connection:
        report = reconcile(connection, DAY, SHANGHAI, delivered_by_hub=ADAPTERS)
    assert _counts(report.source_total) == (1, 1, 0, 0, 0, 0)
    assert report.generated_at.tzinfo is not None


def test_an_empty_day_has_a_zero_total_and_no_rates(journal: Journal, engine: Engine) -> None:
    report = _reconcile(engine)
    assert report.sources == () and report.destinations == ()
    assert report.source_total.received == 0
    assert report.source_total.feedback_rate is None
    assert report.source_total.delay_median_seconds is None


# judge() alone: the rules the journal tests do not reach.


def _pass(*steps: tuple[str, str | None, float], at: datetime = T) -> Pass:
    return Pass(at, tuple(Step(kind, dest, at + timedelta(seconds=s)) for kind, dest, s in steps))


def test_a_message_without_events_is_in_flight() -> None:
    assert judge([Pass(T, ())], ADAPTERS).state == "in_flight"


def test_a_delivery_recorded_a_little_before_its_routing_still_counts() -> None:
    # The delivery runner's host clock is behind the worker's.
    fate = judge([_pass(("received", None, 0), ("routed", "tax", 0), ("delivered", "tax", -0.01))],
                 ADAPTERS)
    assert fate.state == "delivered" and fate.delays == (0.0,)


def test_a_handed_over_review_sent_again_and_verified_continues_as_routed() -> None:
    fate = judge([_pass(("received", None, 0), ("review", "review", 0),
                        ("dead_lettered", "review", 60), ("retried", "review", 900),
                        ("verified", "review", 960), ("routed", "city-platform", 960))],
                 ADAPTERS)  # fmt: skip
    assert fate.state == "delivered" and fate.delays == (960.0,)


def test_feedback_to_a_source_is_no_step_at_a_destination() -> None:
    # market's feedback goes to hub.out.market; it says nothing about the copy for market.
    fate = judge([_pass(("received", None, 0), ("routed", "market", 0),
                        ("feedback", "market", 0))], ADAPTERS)  # fmt: skip
    assert fate.copies == {"market": "delivered"} and fate.feedback
