"""Two hubs polling one outbox never submit the same row: PostgreSQL skips the rows the other
poller has locked (FOR UPDATE SKIP LOCKED); SQLite makes the second poller wait for the write
lock and give up transiently, taking nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from adapters.db.poll import DbPollAdapter
from adapters.sdk import InboundRecord, TransientError
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import RecordingPort, sample_licence

MakePoller = Callable[..., DbPollAdapter]


class HeldPort(RecordingPort):
    """Its first submit waits (holding the poller's transaction open) until released."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.release = threading.Event()

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        if not self.inside.is_set():
            self.inside.set()
            assert self.release.wait(10), "the test never released the held submit"
        return super().submit(records)


def fill(front_db: FrontDbSimulator, count: int) -> None:
    for _ in range(count):
        front_db.emit(sample_licence(), "administrative_licence")


def taken(port: RecordingPort) -> list[str]:
    return [r.source_message_id or "" for r in port.submitted]


def run_held_poll(poller: DbPollAdapter, port: HeldPort) -> threading.Thread:
    thread = threading.Thread(target=poller.poll_once, daemon=True)
    thread.start()
    assert port.inside.wait(10), "the first poller never reached submit"
    return thread


@pytest.mark.postgres
def test_a_second_poller_on_postgresql_skips_the_rows_the_first_holds(
    pg_url: str, make_poller: MakePoller,
) -> None:
    url = pg_url
    front_db = FrontDbSimulator("market", url)
    front_db.start()
    try:
        fill(front_db, 12)
        first_port, second_port = HeldPort(), RecordingPort()
        first = make_poller(url, first_port, batch_size=5)
        second = make_poller(url, second_port, batch_size=5)
        thread = run_held_poll(first, first_port)
        assert second.poll_once() == 5  # not blocked by the first poller's locks
        first_port.release.set()
        thread.join(10)
        while first.poll_once() + second.poll_once():
            pass
        first.stop()
        second.stop()
        assert taken(first_port)[:5] == ["1", "2", "3", "4", "5"]
        assert taken(second_port)[:5] == ["6", "7", "8", "9", "10"]
        everything = taken(first_port) + taken(second_port)
        assert sorted(everything, key=int) == [str(i) for i in range(1, 13)]  # once each
        assert {r["status"] for r in front_db.outbox()} == {"taken"}
    finally:
        front_db.stop()


@pytest.mark.postgres
def test_pollers_racing_on_postgresql_submit_every_row_exactly_once(
    pg_url: str, make_poller: MakePoller,
) -> None:
    url = pg_url
    front_db = FrontDbSimulator("market", url)
    front_db.start()
    try:
        fill(front_db, 60)
        ports = [RecordingPort() for _ in range(3)]
        pollers = [make_poller(url, port, batch_size=4) for port in ports]
        threads = [threading.Thread(target=lambda p=p: [p.poll_once() for _ in range(30)])
                   for p in pollers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        everything = [key for port in ports for key in taken(port)]
        assert sorted(everything, key=int) == [str(i) for i in range(1, 61)]
    finally:
        front_db.stop()


def test_a_second_poller_on_sqlite_waits_then_gives_up_transiently_taking_nothing(
    tmp_path: Path, make_poller: MakePoller
) -> None:
    url = f"sqlite:///{tmp_path / 'front.sqlite'}"
    front_db = FrontDbSimulator("market", url)
    front_db.start()
    try:
        fill(front_db, 4)
        first_port, second_port = HeldPort(), RecordingPort()
        first = make_poller(url, first_port, batch_size=2)
        second = make_poller(url, second_port, batch_size=2)
        thread = run_held_poll(first, first_port)
        with pytest.raises(TransientError, match="database is locked"):
            second.poll_once()
        first_port.release.set()
        thread.join(10)
        assert second.poll_once() == 2
        assert taken(first_port) == ["1", "2"] and taken(second_port) == ["3", "4"]
        assert all(json.loads(r.body) for r in first_port.submitted + second_port.submitted)
    finally:
        front_db.stop()
