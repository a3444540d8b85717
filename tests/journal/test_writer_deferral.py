"""The writer builds deferred records on its own thread and holds batches back during a burst."""

from __future__ import annotations

import threading
import time

import pytest

from hub.journal import JournalWriter
from hub.journal.writer import RecordBuilder, Records
from hub.runtime.worker import BacklogSense
from tests.journal.conftest import event
from tests.journal.test_writer import FakeSink, numbered, wait_until


def test_submitted_builders_run_on_the_writer_thread_in_order() -> None:
    sink = FakeSink()
    threads: list[str] = []

    def build(n: int) -> RecordBuilder:
        def records() -> Records:
            threads.append(threading.current_thread().name)
            return [], [event("m1", "delivered", detail=str(n), destination="tax")]
        return records

    with JournalWriter(sink, batch_size=100, flush_interval=0.05) as writer:
        for n in range(5):
            writer.submit_later(build(n), size=1, nbytes=100)
    assert sink.details() == ["0", "1", "2", "3", "4"]
    assert set(threads) == {"journal-writer"}


def test_a_builder_that_fails_is_left_out_and_the_others_are_written(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sink = FakeSink()

    def broken() -> Records:
        raise KeyError("a bug")

    with JournalWriter(sink, batch_size=100, flush_interval=0.05) as writer:
        writer.submit(events=numbered(1))
        writer.submit_later(broken, size=3, nbytes=100)
        writer.submit(events=[event("m2", "delivered", detail="after", destination="tax")])
    assert sink.details() == ["0", "after"]
    assert "building them failed" in caplog.text and "KeyError" in caplog.text


def test_while_the_pipeline_is_busy_batches_wait_until_it_has_caught_up() -> None:
    sink = FakeSink()
    with JournalWriter(sink, batch_size=5, flush_interval=0.01, max_deferral=60) as writer:
        writer.set_busy(True)
        writer.submit(events=numbered(20))
        time.sleep(0.3)
        assert sink.batches == [] and writer.pending() == 20
        writer.set_busy(False)
        wait_until(lambda: writer.pending() == 0)
    assert len(sink.details()) == 20


def test_a_busy_pipeline_holds_batches_back_for_max_deferral_seconds_at_most() -> None:
    sink = FakeSink()
    with JournalWriter(sink, batch_size=5, flush_interval=0.01, max_deferral=0.3) as writer:
        writer.set_busy(True)
        started = time.monotonic()
        writer.submit(events=numbered(5))
        wait_until(lambda: writer.pending() == 0)
        assert time.monotonic() - started >= 0.3
        assert writer.pending() == 0


def test_a_busy_pipeline_does_not_hold_back_a_queue_half_full() -> None:
    sink = FakeSink()
    with JournalWriter(sink, batch_size=5, flush_interval=0.01, max_deferral=60,
                       max_pending=20) as writer:
        writer.set_busy(True)
        writer.submit(events=numbered(4))
        time.sleep(0.2)
        assert sink.batches == []
        writer.submit(events=numbered(6, "m2"))  # 10 of 20: half full
        wait_until(lambda: writer.pending() < 10)  # written down to under half, then held again
        time.sleep(0.2)
        assert writer.pending() == 6 and sink.details() == ["0", "1", "2", "3"]


def test_close_writes_what_a_busy_pipeline_held_back() -> None:
    sink = FakeSink()
    writer = JournalWriter(sink, batch_size=5, flush_interval=0.01, max_deferral=60)
    writer.set_busy(True)
    writer.submit(events=numbered(12))
    writer.close()
    assert len(sink.details()) == 12


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def sense(reports: list[bool], clock: Clock) -> BacklogSense:
    return BacklogSense(reports.append, window=0.25, busy_share=0.9, clock=clock)


def test_a_worker_that_finds_inputs_waiting_whenever_it_looks_has_a_backlog() -> None:
    clock, reports = Clock(), list[bool]()
    backlog = sense(reports, clock)
    for _ in range(10):  # 10 ms of work, 0.1 ms of waiting, per input
        clock.now += 0.0101
        backlog.waited(0.0001)
    assert reports == [] and not backlog.busy  # under one window: not judged yet
    for _ in range(20):
        clock.now += 0.0101
        backlog.waited(0.0001)
    assert reports == [True]
    for _ in range(30):  # then it waits 50 ms in vain, again and again: caught up
        clock.now += 0.05
        backlog.waited(0.05)
    assert reports == [True, False]


def test_a_steady_trickle_is_no_backlog_and_a_reset_ends_one() -> None:
    clock, reports = Clock(), list[bool]()
    backlog = sense(reports, clock)
    for _ in range(400):  # 400 inputs a second, 0.6 ms of work each: waiting most of the time
        clock.now += 0.0025
        backlog.waited(0.0019)
    assert reports == []
    for _ in range(50):
        clock.now += 0.01
        backlog.waited(0.0)
    assert reports == [True]
    backlog.reset()
    assert reports == [True, False]
