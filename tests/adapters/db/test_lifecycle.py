"""The db adapters' lifecycle: polling in the background, a clean stop that finishes the batch
in hand and closes every session, and a database that is away being transient."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg
import pytest

from adapters.db.poll import DbPollAdapter
from adapters.db.write import DbWriteAdapter, DbWriteConfig
from adapters.sdk import InboundRecord, TransientError
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import RecordingPort, sample_envelope, sample_licence
from tests.adapters.db.harness import is_sqlite, libpq_url

MakePoller = Callable[..., DbPollAdapter]


class HeldPort(RecordingPort):
    """Each submit waits until released."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.release = threading.Event()

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        self.inside.set()
        assert self.release.wait(10), "the test never released the held submit"
        return super().submit(records)


def hub_sessions(url: str) -> int:
    """Sessions the hub's adapters hold on the database (PostgreSQL)."""
    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name LIKE 'supervision-hub %'"
        ).fetchone()
    return int(row[0]) if row else 0


def test_a_started_poller_takes_rows_as_they_come_and_stops_cleanly(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    port = RecordingPort()
    poller = make_poller(front_db.url, port)
    poller.start()
    front_db.emit(sample_licence(), "administrative_licence")
    port.wait_for(submitted=1)
    front_db.emit(sample_licence(), "administrative_licence")
    port.wait_for(submitted=2)
    assert poller.health().ok
    if not is_sqlite(front_db.url):
        assert hub_sessions(front_db.url) >= 1
    poller.stop()
    poller.stop()
    if not is_sqlite(front_db.url):
        assert hub_sessions(front_db.url) == 0  # every pooled session closed
    front_db.emit(sample_licence(), "administrative_licence")
    time.sleep(0.2)  # four poll intervals: a stopped poller takes nothing more
    assert len(port.submitted) == 2
    assert [r["status"] for r in front_db.outbox()] == ["taken", "taken", "new"]


def test_stop_waits_for_the_batch_in_hand_and_marks_it(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    for _ in range(3):
        front_db.emit(sample_licence(), "administrative_licence")
    port = HeldPort()
    poller = make_poller(front_db.url, port)
    poller.start()
    assert port.inside.wait(10)
    stopping = threading.Thread(target=poller.stop)
    stopping.start()
    stopping.join(0.3)
    assert stopping.is_alive(), "stop() returned while a batch was being submitted"
    port.release.set()
    stopping.join(10)
    assert not stopping.is_alive()
    assert len(port.submitted) == 3
    assert [r["status"] for r in front_db.outbox()] == ["taken"] * 3


def test_a_missing_sqlite_file_is_transient_and_is_not_created(
    tmp_path: Path, make_poller: MakePoller
) -> None:
    path = tmp_path / "not-yet" / "front.sqlite"
    poller = make_poller(f"sqlite:///{path}")
    with pytest.raises(TransientError, match="unable to open database file"):
        poller.start()
    with pytest.raises(TransientError):
        poller.poll_once()
    assert not poller.health().ok and "unable to open" in poller.health().detail
    assert not path.exists() and not path.parent.exists()


def test_a_postgresql_server_that_is_down_is_transient(make_poller: MakePoller) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:9/front"  # nothing listens on port 9
    poller = make_poller(url)
    started = time.monotonic()
    with pytest.raises(TransientError, match="OperationalError"):
        poller.start()
    with pytest.raises(TransientError):
        poller.poll_once()
    writer = DbWriteAdapter(DbWriteConfig.model_validate({"kind": "db-write", "url": url}),
                            system="market")
    envelope = sample_envelope()
    with pytest.raises(TransientError):
        writer.deliver(envelope, envelope.to_bytes())
    assert not writer.health().ok
    writer.stop()
    assert time.monotonic() - started < 5
