"""db-poll with status tracking: rows set to taken only once the hub confirmed them, bad rows
refused and marked, locks and outages transient, and nothing lost when the hub or the process
fails between submit and commit. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from adapters.db.poll import DbPollAdapter
from adapters.sdk import InboundRecord, RecordProblem, TransientError
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing import RecordingPort, sample_licence
from tests.adapters.db.harness import locked, run_sql

MakePoller = Callable[..., DbPollAdapter]
LICENCE_TYPE = "administrative_licence"


def emit(front_db: FrontDbSimulator, count: int) -> list[str]:
    """``count`` distinct licences written as new rows; their bodies, in order."""
    bodies = [json.dumps(sample_licence(), ensure_ascii=False) for _ in range(count)]
    for body in bodies:
        front_db.insert(body, LICENCE_TYPE)
    return bodies


def statuses(front_db: FrontDbSimulator) -> list[str]:
    return [row["status"] for row in front_db.outbox()]


class CrashingPort(RecordingPort):
    """Confirms the records (they reach the hub), then the process 'dies' before the commit."""

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        super().submit(records)
        raise RuntimeError("the hub process died after the broker confirmed")


class RejectFailsPort(RecordingPort):
    """Takes submissions, but the hub becomes unavailable for rejections."""

    def reject(self, body: bytes, problem: RecordProblem, **kwargs: Any) -> str:
        raise TransientError("the hub went away")


def test_new_rows_are_submitted_in_key_order_and_marked_taken(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    bodies = emit(front_db, 3)
    port = RecordingPort()
    poller = make_poller(front_db.url, port)
    assert poller.poll_once() == 3
    assert [r.body.decode() for r in port.submitted] == bodies
    assert [r.source_message_id for r in port.submitted] == ["1", "2", "3"]
    assert {(r.record_type, r.content_type) for r in port.submitted} == {
        (LICENCE_TYPE, "application/json")
    }
    rows = front_db.outbox()
    assert [r["status"] for r in rows] == ["taken"] * 3
    assert all(r["taken_at"] is not None and r["reason"] is None for r in rows)
    assert poller.poll_once() == 0 and len(port.submitted) == 3


def test_a_batch_takes_at_most_batch_size_rows(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 5)
    port = RecordingPort()
    poller = make_poller(front_db.url, port, batch_size=2)
    assert [poller.poll_once() for _ in range(4)] == [2, 2, 1, 0]
    assert [r.source_message_id for r in port.submitted] == ["1", "2", "3", "4", "5"]


def test_rows_not_set_to_new_are_left_alone(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 2)
    run_sql(front_db.url, "UPDATE hub_outbox SET status = 'draft' WHERE id = 1")
    port = RecordingPort()
    assert make_poller(front_db.url, port).poll_once() == 1
    assert [r.source_message_id for r in port.submitted] == ["2"]
    assert statuses(front_db) == ["draft", "taken"]


@pytest.mark.parametrize(
    ("body", "record_type", "message"),
    [
        ('{"party": ', LICENCE_TYPE, "the body is not JSON: line 1, column 11"),
        ("[1, 2]", LICENCE_TYPE, "the body is a JSON list, not an object"),
        ("   ", LICENCE_TYPE, "the body column is empty"),
        ("{}", "licence; drop table", "not a record type name"),
    ],
)
def test_a_row_that_is_no_record_is_rejected_as_json_and_marked_error_with_its_reason(
    front_db: FrontDbSimulator, make_poller: MakePoller, body: str, record_type: str,
    message: str,
) -> None:
    good = emit(front_db, 1)
    front_db.insert(body, record_type)
    good += emit(front_db, 1)
    port = RecordingPort()
    poller = make_poller(front_db.url, port)
    assert poller.poll_once() == 3
    assert [r.body.decode() for r in port.submitted] == good
    (rejection,) = port.rejected
    assert rejection.problem.code == "adapter.row_invalid"
    assert message in rejection.problem.message
    assert rejection.problem.path.startswith("row 2/")
    assert rejection.content_type == "application/json"
    assert rejection.source_message_id == "2"
    row = json.loads(rejection.body)
    assert row["id"] == 2 and row["body"] == body and row["record_type"] == record_type
    outbox = front_db.outbox()
    assert [r["status"] for r in outbox] == ["taken", "error", "taken"]
    reason = outbox[1]["reason"]
    assert reason.startswith("adapter.row_invalid: ") and message in reason
    assert poller.poll_once() == 0 and len(port.rejected) == 1  # never read again


def test_a_long_reason_is_cut_to_fit_its_column(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    front_db.insert("{" + '"x": 1, ' * 200, LICENCE_TYPE)
    port = RecordingPort()
    make_poller(front_db.url, port, reason_max_chars=40).poll_once()
    (row,) = front_db.outbox()
    assert row["status"] == "error" and len(row["reason"]) == 40


def test_while_the_hub_refuses_records_every_row_stays_new(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 2)
    front_db.insert("not json", LICENCE_TYPE)
    port = RecordingPort()
    port.failing = True
    poller = make_poller(front_db.url, port)
    with pytest.raises(TransientError):
        poller.poll_once()
    assert statuses(front_db) == ["new", "new", "new"]
    assert not poller.health().ok
    port.failing = False
    assert poller.poll_once() == 3
    assert statuses(front_db) == ["taken", "taken", "error"]
    assert poller.health().ok


def test_a_crash_between_submit_and_commit_redelivers_the_rows(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    bodies = emit(front_db, 3)
    crashing = CrashingPort()
    with pytest.raises(RuntimeError, match="died"):
        make_poller(front_db.url, crashing).poll_once()
    assert [r.body.decode() for r in crashing.submitted] == bodies  # the hub has them...
    assert statuses(front_db) == ["new", "new", "new"]  # ...but they were not marked
    restarted = RecordingPort()
    assert make_poller(front_db.url, restarted).poll_once() == 3
    assert [r.body.decode() for r in restarted.submitted] == bodies  # sent again, not lost
    assert statuses(front_db) == ["taken", "taken", "taken"]


def test_rows_the_hub_confirmed_stay_taken_when_a_later_rejection_fails(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 2)
    front_db.insert("not json", LICENCE_TYPE)
    port = RejectFailsPort()
    with pytest.raises(TransientError, match="went away"):
        make_poller(front_db.url, port).poll_once()
    assert len(port.submitted) == 2
    assert statuses(front_db) == ["taken", "taken", "new"]  # the refused row is tried again
    healthy = RecordingPort()
    assert make_poller(front_db.url, healthy).poll_once() == 1
    assert not healthy.submitted and len(healthy.rejected) == 1
    assert statuses(front_db) == ["taken", "taken", "error"]


def test_a_locked_table_is_transient_nothing_is_marked_and_rows_are_taken_after(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 2)
    port = RecordingPort()
    poller = make_poller(front_db.url, port)
    with locked(front_db.url, "hub_outbox"):
        with pytest.raises(TransientError, match="locked|lock timeout"):
            poller.poll_once()
        assert not port.submitted
    assert statuses(front_db) == ["new", "new"]
    assert poller.poll_once() == 2
    assert statuses(front_db) == ["taken", "taken"]


def test_an_xml_body_is_sent_as_written_with_its_charset(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    xml = '<administrative_licence><licence_number>JY1</licence_number></administrative_licence>'
    front_db.insert(xml, LICENCE_TYPE)
    port = RecordingPort()
    make_poller(front_db.url, port, body_format="xml").poll_once()
    (record,) = port.submitted
    assert record.body == xml.encode() and record.content_type == "application/xml; charset=utf-8"


def test_a_fixed_record_type_applies_to_every_row(
    front_db: FrontDbSimulator, make_poller: MakePoller
) -> None:
    emit(front_db, 1)
    port = RecordingPort()
    poller = make_poller(front_db.url, port, record_type_column=None,
                         record_type="administrative_penalty")
    poller.poll_once()
    assert [r.record_type for r in port.submitted] == ["administrative_penalty"]
