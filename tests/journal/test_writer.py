"""The journal writer: batches off the hot path, back-pressure, retries, nothing lost on close."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

import pytest

from hub.journal import (
    Journal,
    JournalClosed,
    JournalEvent,
    JournalMessage,
    JournalUnavailable,
    JournalWriter,
    MessageQuery,
)
from tests.journal.conftest import event, message


class CountingSink:
    """A real journal behind a counter of calls (each call is one transaction) and failures."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.calls = 0
        self.failures: list[Exception] = []

    def record(self, messages: Sequence[JournalMessage], events: Sequence[JournalEvent]) -> None:
        self.calls += 1
        try:
            self.journal.record(messages, events)
        except Exception as e:
            self.failures.append(e)
            raise


class FakeSink:
    """Keeps batches in memory; can fail its first calls or hold each call at a gate."""

    def __init__(self, *, fail_first: int = 0, gated: bool = False) -> None:
        self.batches: list[tuple[list[JournalMessage], list[JournalEvent]]] = []
        self.attempts = 0
        self.fail_first = fail_first
        self.gate = threading.Event()
        if not gated:
            self.gate.set()

    def record(self, messages: Sequence[JournalMessage], events: Sequence[JournalEvent]) -> None:
        self.attempts += 1
        self.gate.wait()
        if self.attempts <= self.fail_first:
            raise JournalUnavailable("database is away")
        self.batches.append((list(messages), list(events)))

    def details(self) -> list[str]:
        return [e.detail for _, events in self.batches for e in events]


def numbered(count: int, message_id: str = "m1") -> list[JournalEvent]:
    return [event(message_id, "delivered", detail=str(n), destination="tax") for n in range(count)]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def test_the_writer_writes_many_events_in_far_fewer_transactions(journal: Journal) -> None:
    sink = CountingSink(journal)
    with JournalWriter(sink, batch_size=100, flush_interval=0.05) as writer:
        for e in numbered(1000):
            writer.submit(events=[e])
    assert [e.detail for e in journal.trace("m1")] == [str(n) for n in range(1000)]
    assert sink.calls <= 100, f"{sink.calls} transactions for 1000 events"


def test_a_lone_event_is_written_once_the_flush_interval_passes(journal: Journal) -> None:
    writer = JournalWriter(journal, batch_size=1000, flush_interval=0.1)
    try:
        writer.submit(events=numbered(1))
        wait_until(lambda: len(journal.trace("m1")) == 1)
        assert writer.pending() == 0 and writer.lag_seconds() == 0.0
    finally:
        writer.close()


def test_close_writes_everything_still_queued(journal: Journal) -> None:
    writer = JournalWriter(journal, batch_size=10_000, flush_interval=3600)
    messages = [message(f"m{n}") for n in range(100)]
    writer.submit(messages=messages, events=numbered(3000))
    writer.close()
    assert writer.pending() == 0
    assert len(journal.find_messages(MessageQuery(limit=1000))) == 100
    assert len(journal.trace("m1")) == 3000


def test_the_records_of_one_submit_are_written_together_and_in_order() -> None:
    sink = FakeSink()
    with JournalWriter(sink, batch_size=2, flush_interval=0.01) as writer:
        writer.submit(messages=[message("m1")], events=numbered(3))
    assert len(sink.batches) == 1
    assert sink.details() == ["0", "1", "2"]


def test_submit_blocks_while_the_queue_is_full_and_resumes_when_there_is_room() -> None:
    sink = FakeSink(gated=True)
    writer = JournalWriter(sink, batch_size=5, flush_interval=0.01, max_pending=10)
    for e in numbered(10):
        writer.submit(events=[e])
    late = threading.Thread(target=writer.submit, kwargs={"events": [event("m1", "failed")]})
    late.start()
    late.join(0.3)
    assert late.is_alive(), "submit returned although the queue was full"
    assert writer.pending() == 10
    sink.gate.set()
    late.join(5)
    assert not late.is_alive()
    writer.close()
    assert sink.details() == [str(n) for n in range(10)] + [""]


def test_submit_blocks_when_queued_bodies_reach_the_byte_budget_however_few_records() -> None:
    sink = FakeSink(gated=True)
    big = replace(message("big-1"), body=b"x" * 400_000)  # counted twice: body and payload
    writer = JournalWriter(sink, batch_size=50, flush_interval=0.01, max_pending_bytes=1_000_000)
    writer.submit(messages=[big])
    late = threading.Thread(
        target=writer.submit, kwargs={"messages": [replace(message("big-2"), body=b"y" * 400_000)]}
    )
    late.start()
    late.join(0.3)
    assert late.is_alive(), "two large bodies passed a one-megabyte budget"
    assert writer.pending() == 1
    sink.gate.set()
    late.join(5)
    assert not late.is_alive()
    writer.close()


def test_a_failing_write_is_retried_until_it_succeeds_and_nothing_is_lost() -> None:
    sink = FakeSink(fail_first=3)
    with JournalWriter(sink, batch_size=20, flush_interval=0.01, max_backoff=0.05) as writer:
        for e in numbered(50):
            writer.submit(events=[e])
    assert sink.attempts > len(sink.batches)
    assert sink.details() == [str(n) for n in range(50)]


@contextmanager
def database_locked(journal_url: str, seconds: float) -> Iterator[None]:
    """Another connection holds the events table's write lock for ``seconds``."""
    if journal_url.startswith("sqlite"):
        other = sqlite3.connect(
            journal_url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )
        other.execute("BEGIN EXCLUSIVE")
    else:
        import psycopg

        other = psycopg.connect(  # type: ignore[assignment]
            journal_url.replace("postgresql+psycopg", "postgresql")
        )
        other.execute("LOCK TABLE journal_events IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(seconds, other.rollback)
    release.start()
    try:
        yield
    finally:
        release.join()
        other.close()


def test_the_writer_waits_out_a_locked_database_and_then_writes_everything(
    journal_url: str, open_journal: Callable[..., Journal]
) -> None:
    sink = CountingSink(open_journal(lock_timeout=0.05))
    with database_locked(journal_url, seconds=0.6):
        writer = JournalWriter(sink, batch_size=50, flush_interval=0.01, max_backoff=0.1)
        for e in numbered(200):
            writer.submit(events=[e])
        writer.close(timeout=30)
    assert sink.failures, "the lock never got in the writer's way"
    assert all(isinstance(e, JournalUnavailable) for e in sink.failures)
    assert [e.detail for e in open_journal().trace("m1")] == [str(n) for n in range(200)]


def test_close_gives_up_after_its_timeout_when_the_database_stays_away() -> None:
    sink = FakeSink(fail_first=10**9)
    writer = JournalWriter(sink, flush_interval=0.01, max_backoff=0.05)
    writer.submit(events=numbered(7))
    with pytest.raises(JournalUnavailable, match="7 records not written"):
        writer.close(timeout=0.3)
    with pytest.raises(JournalClosed):
        writer.submit(events=numbered(1))


def test_pending_and_lag_report_what_is_waiting_to_be_written() -> None:
    now = [100.0]
    sink = FakeSink()
    writer = JournalWriter(sink, batch_size=1000, flush_interval=1.0, clock=lambda: now[0])
    assert writer.pending() == 0 and writer.lag_seconds() == 0.0
    writer.submit(messages=[message("m1")], events=numbered(2))
    now[0] = 103.0
    assert writer.pending() == 3
    assert writer.lag_seconds() == 3.0
    # The writer's own clock now says the records are overdue: it writes them.
    wait_until(lambda: writer.pending() == 0)
    assert writer.lag_seconds() == 0.0
    writer.close()


def test_many_threads_submitting_at_once_lose_and_duplicate_nothing(journal: Journal) -> None:
    writer = JournalWriter(journal, batch_size=200, flush_interval=0.02, max_pending=500)

    def produce(thread: int) -> None:
        for n in range(250):
            message_id = f"t{thread}-{n}"
            writer.submit(messages=[message(message_id)], events=[event(message_id, "received")])

    threads = [threading.Thread(target=produce, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    stored = journal.find_messages(MessageQuery(limit=10_000))
    assert len(stored) == 2000
    assert all(len(journal.trace(m.message_id)) == 1 for m in stored[::97])


# --- the commit barrier: the worker acks only what is written ----------------------------------


def test_wait_written_writes_at_once_and_returns_when_the_ticket_is_written() -> None:
    sink = FakeSink()
    # A flush interval of an hour and a busy pipeline: without a waiter nothing would be written.
    writer = JournalWriter(sink, flush_interval=3600, max_deferral=3600)
    writer.set_busy(True)
    first = writer.submit(events=numbered(3))
    second = writer.submit(events=numbered(2, "m2"))
    assert (first, second) == (1, 2)
    started = time.monotonic()
    writer.wait_written(second, timeout=10)
    assert time.monotonic() - started < 5
    assert sorted(e.message_id for _, events in sink.batches for e in events) == ["m1"] * 3 + ["m2"] * 2
    writer.wait_written(first, timeout=0.01)  # already written: returns at once
    writer.close()


def test_wait_written_covers_submit_later_and_every_ticket_before_it() -> None:
    sink = FakeSink(gated=True)
    writer = JournalWriter(sink, flush_interval=3600, batch_size=2)
    tickets = [writer.submit_later(lambda n=n: ((), numbered(1, f"m{n}")), size=1, nbytes=10)
               for n in range(5)]
    assert tickets == [1, 2, 3, 4, 5]
    waiter = threading.Thread(target=writer.wait_written, args=(5, 10))
    waiter.start()
    time.sleep(0.1)
    assert waiter.is_alive(), "returned before the gated sink wrote anything"
    sink.gate.set()
    waiter.join(10)
    assert not waiter.is_alive()
    assert [e.message_id for _, events in sink.batches for e in events] == [f"m{n}" for n in range(5)]
    writer.close()


def test_wait_written_gives_up_after_its_timeout_while_the_database_is_away() -> None:
    sink = FakeSink(fail_first=10**9)
    writer = JournalWriter(sink, flush_interval=0.01, max_backoff=0.05)
    ticket = writer.submit(events=numbered(1))
    with pytest.raises(JournalUnavailable, match="not committed within 0.3s"):
        writer.wait_written(ticket, timeout=0.3)
    with pytest.raises(JournalUnavailable):
        writer.close(timeout=0.1)
