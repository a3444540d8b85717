"""Recording messages and events, and reading them back: trace, message, timeline, find."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from hub.journal import Journal, MessageQuery
from hub.journal.journal_errors import RecordsRefused
from tests.journal.conftest import T0, event, message

CODE = "91310112087994932F"
OTHER_CODE = "91310000132149237G"


def test_a_message_reads_back_with_its_original_bytes_headers_payload_and_utc_time(
    journal: Journal,
) -> None:
    shanghai = timezone(timedelta(hours=8))
    body = "许可证 <licence/>".encode("gb18030")
    original = message(
        "m1",
        at=T0.astimezone(shanghai),
        body=body,
        content_type="application/xml",
        content_encoding="gb18030",
        headers={"hub-schema-version": "1.0", "x-count": 3},
        credit_code=CODE,
        content_hash="sha256:ab",
        payload={"licence_number": "JY1", "holder": {"name": "上海某公司"}},
    )
    journal.record([original], [])
    stored = journal.message("m1")
    assert stored == replace(original, received_at=T0)
    assert stored is not None and stored.received_at.tzinfo == UTC
    assert type(stored.body) is bytes


def test_an_unknown_message_is_none_and_has_an_empty_trace(journal: Journal) -> None:
    assert journal.message("nope") is None
    assert journal.trace("nope") == []


def test_header_values_json_cannot_hold_are_stored_as_text(journal: Journal) -> None:
    journal.record([message("m1", headers={"raw": b"\x01", "when": T0})], [])
    stored = journal.message("m1")
    assert stored is not None
    assert stored.headers == {"raw": "b'\\x01'", "when": str(T0)}


def test_trace_returns_every_hop_of_one_message_in_time_order(journal: Journal) -> None:
    hops = [
        event("m1", "delivered", minutes=3, destination="tax", credit_code=CODE, attempt=1),
        event("m1", "received", minutes=0, detail="512 bytes"),
        event("m1", "routed", minutes=2, destination="tax", detail="rule licence-to-tax"),
        event("m1", "standardised", minutes=1, credit_code=CODE),
    ]
    journal.record([message("m1")], [*hops, event("m2", "received")])
    trace = journal.trace("m1")
    assert [e.event for e in trace] == ["received", "standardised", "routed", "delivered"]
    assert all(e.id is not None for e in trace)
    assert trace[3] == replace(hops[0], id=trace[3].id)


def test_events_at_the_same_instant_keep_the_order_they_were_recorded_in(
    journal: Journal,
) -> None:
    kinds = ["received", "standardised", "routed", "feedback"]
    journal.record([], [event("m1", kind) for kind in kinds])
    assert [e.event for e in journal.trace("m1")] == kinds


def test_recording_a_message_again_does_not_duplicate_it_and_fills_in_what_it_lacked(
    journal: Journal,
) -> None:
    journal.record([message("m1")], [event("m1", "received")])
    standardised = message("m1", credit_code=CODE, content_hash="sha256:1", payload={"a": 1})
    journal.record([standardised], [event("m1", "standardised", credit_code=CODE)])
    # A replay re-records the message with other values: what was stored stays.
    journal.record([message("m1", credit_code=OTHER_CODE, payload={"a": 2}, body=b"x")], [])
    assert journal.find_messages(MessageQuery()) == [standardised]


def test_two_versions_of_one_message_in_one_batch_are_merged_into_one_row(
    journal: Journal,
) -> None:
    received = message("m1")
    standardised = message("m1", credit_code=CODE, content_hash="sha256:1", payload={"a": 1})
    journal.record([received, standardised], [])
    assert journal.find_messages(MessageQuery()) == [standardised]


def test_a_batch_is_one_transaction_so_a_failing_batch_stores_nothing(
    journal: Journal,
) -> None:
    broken = message("m2", routing_key=None)  # NOT NULL in the database
    # A refusal of the data is permanent (the writer isolates it rather than retrying).
    with pytest.raises(RecordsRefused) as refused:
        journal.record([message("m1"), broken], [event("m1", "received")])
    assert isinstance(refused.value.__cause__, IntegrityError)
    assert journal.message("m1") is None
    assert journal.trace("m1") == []


def test_timeline_gathers_an_entitys_events_across_sources_including_the_receipt(
    journal: Journal,
) -> None:
    journal.record(
        [
            message("licence", credit_code=CODE),
            message("penalty", source="safety", credit_code=CODE),
            message("elsewhere", credit_code=OTHER_CODE),
        ],
        [
            # The receipt precedes standardisation: it has no credit code of its own.
            event("licence", "received", minutes=0),
            event("licence", "standardised", minutes=1, credit_code=CODE),
            event("penalty", "received", minutes=5, source="safety"),
            event("penalty", "rejected", minutes=6, source="safety", credit_code=CODE),
            event("elsewhere", "standardised", minutes=2, credit_code=OTHER_CODE),
            # An event carrying the code whose message is not in the journal.
            event("unjournaled", "delivered", minutes=7, credit_code=CODE, destination="tax"),
        ],
    )
    timeline = journal.timeline(CODE)
    assert [(e.message_id, e.event) for e in timeline] == [
        ("licence", "received"),
        ("licence", "standardised"),
        ("penalty", "received"),
        ("penalty", "rejected"),
        ("unjournaled", "delivered"),
    ]
    window = journal.timeline(
        CODE, since=T0 + timedelta(minutes=1), until=T0 + timedelta(minutes=6)
    )
    assert [(e.message_id, e.event) for e in window] == [
        ("licence", "standardised"),
        ("penalty", "received"),
    ]


@pytest.fixture
def traffic(journal: Journal) -> Journal:
    """Four messages with distinct sources, types, codes, times, destinations and fates."""
    journal.record(
        [
            message("a", at=T0, credit_code=CODE),
            message("b", at=T0 + timedelta(hours=1), source="safety", credit_code=CODE),
            message(
                "c",
                at=T0 + timedelta(hours=2),
                record_type="administrative_penalty",
                credit_code=OTHER_CODE,
            ),
            message("d", at=T0 + timedelta(hours=3)),
        ],
        [
            event("a", "delivered", destination="tax"),
            event("a", "delivered", destination="city-platform"),
            event("b", "failed", destination="tax", source="safety", attempt=3),
            event("b", "delivered", destination="city-platform", source="safety"),
            event("c", "delivered", destination="tax"),
            event("d", "rejected", detail="record.invalid"),
        ],
    )
    return journal


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (MessageQuery(), ["a", "b", "c", "d"]),
        (MessageQuery(message_ids=["d", "b", "missing"]), ["b", "d"]),
        (MessageQuery(since=T0 + timedelta(hours=1)), ["b", "c", "d"]),
        (MessageQuery(until=T0 + timedelta(hours=1)), ["a"]),
        (MessageQuery(source="safety"), ["b"]),
        (MessageQuery(record_type="administrative_penalty"), ["c"]),
        (MessageQuery(credit_code=CODE), ["a", "b"]),
        (MessageQuery(destination="tax"), ["a", "b", "c"]),
        (MessageQuery(event="rejected"), ["d"]),
        (MessageQuery(destination="tax", event="failed"), ["b"]),
        (MessageQuery(destination="city-platform", event="failed"), []),
        (MessageQuery(credit_code=CODE, destination="tax", since=T0 + timedelta(minutes=1)), ["b"]),
        (MessageQuery(limit=2), ["a", "b"]),
    ],
    ids=[
        "all",
        "ids",
        "since",
        "until",
        "source",
        "record-type",
        "credit-code",
        "destination",
        "event",
        "event-at-destination",
        "no-such-event-at-destination",
        "combined",
        "limit",
    ],
)
def test_find_messages_applies_each_filter(
    traffic: Journal, query: MessageQuery, expected: list[str]
) -> None:
    assert [m.message_id for m in traffic.find_messages(query)] == expected


def test_values_refuse_naive_times_unknown_events_and_bad_limits() -> None:
    naive = datetime(2026, 1, 1)
    with pytest.raises(ValueError, match="timezone-aware"):
        event("m1", "received", at=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        message("m1", at=naive)
    with pytest.raises(ValueError, match="unknown journal event"):
        event("m1", "exploded")
    with pytest.raises(ValueError, match="unknown journal event"):
        MessageQuery(event="exploded")
    with pytest.raises(ValueError, match="limit"):
        MessageQuery(limit=0)
