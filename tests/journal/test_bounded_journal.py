"""No value can make a journal insert fail, an oversize body is kept as a head and a hash, and
a batch the database refuses for its data does not stall the writer (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable

import pytest

from hub.journal import Journal, JournalWriter, MessageQuery, PipelineOutcome
from hub.journal.bounded import CUT_MARKER, fit
from hub.journal.records import BODY_HEAD_BYTES, journaled_body
from schemas.contract.states import EventKind
from tests.journal.conftest import event, message

LONG_KEY = "market." + "administrative_licence" * 40  # 887 characters; the column holds 255


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_fit_cuts_with_a_marker_and_a_hash_and_keeps_distinct_values_distinct() -> None:
    a, b = fit("x" * 300 + "a", 255), fit("x" * 300 + "b", 255)
    assert a is not None and b is not None
    assert len(a) == len(b) == 255 and a != b
    assert a[-10:-8] == CUT_MARKER
    assert a[-8:] == hashlib.sha256(("x" * 300 + "a").encode()).hexdigest()[:8]
    short = "market.administrative_licence"
    assert fit(short, 255) is short, "a value that fits is not copied"
    assert fit("a\x00b\ud800", None) == "a\ufffdb\ufffd"


def test_an_over_long_routing_key_and_ids_are_stored_cut_and_marked(journal: Journal) -> None:
    long_id = "corr-" + "9" * 400
    journal.record(
        [message("m1", routing_key=LONG_KEY, correlation_id=long_id,
                 source_message_id=long_id, content_type="application/json; " + "x" * 300)],
        [event("m1", "delivered", destination="d" * 200, correlation_id=long_id)],
    )
    stored = journal.message("m1")
    assert stored is not None
    assert len(stored.routing_key) == 255 and stored.routing_key.startswith(LONG_KEY[:200])
    assert CUT_MARKER in stored.routing_key
    assert len(stored.correlation_id) == 255 and CUT_MARKER in stored.correlation_id
    [delivered] = [e for e in journal.trace("m1") if e.event == EventKind.DELIVERED]
    assert delivered.destination is not None and len(delivered.destination) == 128


def test_nul_characters_in_texts_and_headers_are_replaced_not_refused(journal: Journal) -> None:
    # PostgreSQL text cannot hold NUL, and JSONB refuses the \u0000 escape.
    journal.record([message("m1", routing_key="market.\x00licence",
                            headers={"x-note": "a\x00b", "x-escaped": "\\u0000 as text"})],
                   [event("m1", "failed", detail="broken\x00detail")])
    stored = journal.message("m1")
    assert stored is not None
    assert stored.routing_key == "market.\ufffdlicence"
    assert dict(stored.headers)["x-note"] == "a\ufffdb"
    assert dict(stored.headers)["x-escaped"] == "\\u0000 as text", "only real NULs are replaced"
    assert [e.detail for e in journal.trace("m1") if e.event == EventKind.FAILED] == [
        "broken\ufffddetail"]


def test_an_oversize_body_is_journaled_as_its_head_with_length_and_hash(journal: Journal) -> None:
    body = b"{" + b'"x": "' + b"y" * 2_000_000 + b'"}'
    head, size, sha = journaled_body(body, 1_048_576)
    assert (len(head), size, sha) == (BODY_HEAD_BYTES, len(body), hashlib.sha256(body).hexdigest())
    assert journaled_body(b"small", 1_048_576) == (b"small", None, None)
    journal.record([message("m1", body=head, body_size=size, body_sha256=sha,
                            credit_code="91310112087994932F",
                            outcome=PipelineOutcome("rejected", reasons="message.too_large"))])
    stored = journal.message("m1")
    assert stored is not None and stored.body_truncated
    assert (stored.body, stored.body_size, stored.body_sha256) == (head, size, sha)
    note = f"its first {BODY_HEAD_BYTES} of {len(body)} bytes, sha256 {sha}"
    [received] = [e for e in journal.trace("m1") if e.event == EventKind.RECEIVED]
    assert note in received.detail, "hub trace shows the truncation"
    [received] = [e for e in journal.timeline("91310112087994932F") if e.event == "received"]
    assert note in received.detail, "and so does the timeline"
    whole = journal.find_messages(MessageQuery())
    assert [m.body_truncated for m in whole] == [True]


def test_a_refused_record_is_set_aside_loudly_and_the_writer_goes_on(
    journal: Journal, caplog: pytest.LogCaptureFixture
) -> None:
    broken = message("m2", source=None)  # NOT NULL: the database refuses it, every time
    with JournalWriter(journal, batch_size=100, flush_interval=0.05, max_backoff=0.05) as writer:
        with caplog.at_level(logging.ERROR, logger="hub.journal.writer"):
            writer.submit([message("m1"), broken, message("m3")],
                          [event("m1", "delivered", destination="tax")])
            wait_until(lambda: writer.pending() == 0)
        assert writer.rejected() == 1
        # The next good batch is written as usual.
        writer.submit([message("m4")])
        wait_until(lambda: journal.message("m4") is not None)
    assert [m.message_id for m in journal.find_messages(MessageQuery())] == ["m1", "m3", "m4"]
    assert [e.event for e in journal.trace("m1")] == [EventKind.DELIVERED]
    assert journal.message("m2") is None
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("refused a batch of 4 records" in e for e in errors)
    [aside] = [e for e in errors if "set aside" in e]
    assert "'m2'" in aside and "market.administrative_licence" in aside
    assert "source" in aside, "the database's reason is given"
    assert "licence" not in aside.split("routing key")[0] and "7b22" not in aside, (
        "no body (nor headers) reaches the log, even where the database quotes the row")
