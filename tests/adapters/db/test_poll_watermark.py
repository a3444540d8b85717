"""db-poll with watermark tracking: the table is only read, the position lives in the
checkpoints and moves only past rows the hub confirmed; rows sharing a timestamp are neither
skipped nor repeated across batches. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from adapters.db import poll_watermark as watermark
from adapters.db.poll import DbPollAdapter
from adapters.sdk import ConfigError, InboundRecord, RecordProblem, TransientError
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import MemoryCheckpoints, RecordingPort, sample_licence
from tests.adapters.db.harness import is_sqlite, run_sql

MakePoller = Callable[..., DbPollAdapter]
LICENCE_TYPE = "administrative_licence"
BY_ID = {"tracking": "watermark", "watermark_column": "id"}
CHECKPOINT = "watermark:hub_outbox:id"


def emit(front_db: FrontDbSimulator, count: int) -> list[str]:
    bodies = [json.dumps(sample_licence(), ensure_ascii=False) for _ in range(count)]
    for body in bodies:
        front_db.insert(body, LICENCE_TYPE)
    return bodies


def keys(port: RecordingPort) -> list[str | None]:
    return [r.source_message_id for r in port.submitted]


class CrashingPort(RecordingPort):
    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        super().submit(records)
        raise RuntimeError("the hub process died after the broker confirmed")


class RejectFailsPort(RecordingPort):
    def reject(self, body: bytes, problem: RecordProblem, **kwargs: Any) -> str:
        raise TransientError("the hub went away")


def test_new_rows_are_read_past_the_stored_position_and_the_table_is_not_written(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    checkpoints = MemoryCheckpoints()
    emit(front_db, 3)
    port = RecordingPort(checkpoints=checkpoints)
    poller = make_poller(front_db.url, port, **BY_ID)
    assert poller.poll_once() == 3
    assert watermark.decode(checkpoints.values[CHECKPOINT]) == (3,)
    emit(front_db, 2)
    assert poller.poll_once() == 2
    assert keys(port) == ["1", "2", "3", "4", "5"]
    restarted = RecordingPort(checkpoints=checkpoints)
    assert make_poller(front_db.url, restarted, **BY_ID).poll_once() == 0
    assert {r["status"] for r in front_db.outbox()} == {"new"}  # read only


def test_rows_sharing_a_timestamp_are_each_taken_once_across_batches(
    db_url: str, make_poller: MakePoller
) -> None:
    stamp = "TEXT" if is_sqlite(db_url) else "TIMESTAMP"
    run_sql(db_url, f"CREATE TABLE changes (id INTEGER PRIMARY KEY, changed_at {stamp}, "
                    "body TEXT, status VARCHAR(16))")
    times = {1: "2026-11-02 09:00:00", 2: "2026-11-02 08:00:00", 3: "2026-11-02 09:00:00",
             4: "2026-11-02 09:00:00", 5: "2026-11-02 08:00:00"}

    def add(key: int, at: str) -> None:
        body = json.dumps(sample_licence(str(key)))
        run_sql(db_url, f"INSERT INTO changes VALUES ({key}, '{at}', '{body}', 'new')")

    for key, at in times.items():
        add(key, at)
    port = RecordingPort()
    poller = make_poller(db_url, port, table="changes", tracking="watermark",
                         watermark_column="changed_at", record_type_column=None,
                         record_type=LICENCE_TYPE, reason_column=None, taken_at_column=None,
                         batch_size=2)
    while poller.poll_once():
        pass
    assert keys(port) == ["2", "5", "1", "3", "4"]  # by time, then key
    add(6, "2026-11-02 09:00:00")  # same time as the last row, larger key: still new
    add(7, "2026-11-02 10:00:00")
    assert poller.poll_once() == 2
    assert keys(port)[5:] == ["6", "7"]


def test_the_position_does_not_move_while_the_hub_refuses_records(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 2)
    port = RecordingPort()
    port.failing = True
    poller = make_poller(front_db.url, port, **BY_ID)
    with pytest.raises(TransientError):
        poller.poll_once()
    assert port.checkpoints.get(CHECKPOINT) is None
    port.failing = False
    assert poller.poll_once() == 2


def test_a_crash_between_submit_and_checkpoint_redelivers_the_rows(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    bodies = emit(front_db, 2)
    checkpoints = MemoryCheckpoints()
    with pytest.raises(RuntimeError):
        make_poller(front_db.url, CrashingPort(checkpoints=checkpoints), **BY_ID).poll_once()
    assert checkpoints.values == {}
    restarted = RecordingPort(checkpoints=checkpoints)
    assert make_poller(front_db.url, restarted, **BY_ID).poll_once() == 2
    assert [r.body.decode() for r in restarted.submitted] == bodies


def test_the_position_stops_before_the_first_row_the_hub_did_not_confirm(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 1)
    front_db.insert("not json", LICENCE_TYPE)
    emit(front_db, 1)
    checkpoints = MemoryCheckpoints()
    with pytest.raises(TransientError, match="went away"):
        make_poller(front_db.url, RejectFailsPort(checkpoints=checkpoints), **BY_ID).poll_once()
    assert watermark.decode(checkpoints.values[CHECKPOINT]) == (1,)
    again = RecordingPort(checkpoints=checkpoints)
    assert make_poller(front_db.url, again, **BY_ID).poll_once() == 2
    assert keys(again) == ["3"] and [r.source_message_id for r in again.rejected] == ["2"]
    assert watermark.decode(checkpoints.values[CHECKPOINT]) == (3,)


@pytest.mark.parametrize("mark_errors", [False, True])
def test_a_bad_row_is_rejected_once_and_marked_only_if_asked(
    front_db: FrontDbSimulator, make_poller: MakePoller, mark_errors: bool
) -> None:
    front_db.insert("not json", LICENCE_TYPE)
    emit(front_db, 1)
    port = RecordingPort()
    poller = make_poller(front_db.url, port, mark_errors=mark_errors, **BY_ID)
    assert poller.poll_once() == 2
    assert poller.poll_once() == 0
    assert len(port.rejected) == 1 and keys(port) == ["2"]
    first, second = front_db.outbox()
    assert second["status"] == "new"  # a taken row is never written under watermark tracking
    if mark_errors:
        assert first["status"] == "error" and first["reason"].startswith("adapter.row_invalid")
    else:
        assert first["status"] == "new" and first["reason"] is None


def test_a_checkpoint_that_is_not_a_position_is_a_config_error(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    port = RecordingPort()
    port.checkpoints.put(CHECKPOINT, "42")
    with pytest.raises(ConfigError, match="stored watermark"):
        make_poller(front_db.url, port, **BY_ID).poll_once()


@pytest.mark.postgres
def test_a_timestamp_position_keeps_its_type_across_restarts(
    pg_url: str, make_poller: MakePoller
) -> None:
    # PostgreSQL only: SQLite has no timestamp type (its text timestamps are tested above).
    run_sql(pg_url, "CREATE TABLE stamped (id INTEGER PRIMARY KEY, at TIMESTAMPTZ, body TEXT)",
            "INSERT INTO stamped VALUES (1, '2026-11-02 09:00:00+08', '{}')")
    checkpoints = MemoryCheckpoints()
    options = {"table": "stamped", "tracking": "watermark", "watermark_column": "at",
               "record_type_column": None, "record_type": LICENCE_TYPE,
               "reason_column": None, "taken_at_column": None}
    make_poller(pg_url, RecordingPort(checkpoints=checkpoints), **options).poll_once()
    (position,) = checkpoints.values.values()
    assert json.loads(position)[0][0] == "datetime"
    run_sql(pg_url, "INSERT INTO stamped VALUES (2, '2026-11-02 09:00:01+08', '{}')")
    again = RecordingPort(checkpoints=checkpoints)
    assert make_poller(pg_url, again, **options).poll_once() == 1
    assert keys(again) == ["2"]
