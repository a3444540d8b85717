"""The typed states hold exactly the strings the journal, the wire and the metrics store.

A StrEnum member is its value, so renaming a *member* is free; renaming a *value* would change
stored journal rows, envelopes and metric labels. Each enum is pinned here to its stored
strings, and to every place outside the enum that names the same set (the journal's
validation, the metric catalogue's label values, the report's columns, the feedback schema),
so a change on one side alone fails.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import get_args

import pytest
from pydantic_core import to_json

from hub.journal import (
    EVENT_KINDS,
    JournalEvent,
    MessageQuery,
    PipelineOutcome,
    event_kind,
)
from hub.journal.records import PIPELINE_STATUSES
from hub.observers.journal_hooks import _REVIEW_EVENTS
from hub.review import ReviewStatus
from monitor import hooks, metric_catalogue
from monitor.fate import STATES, FateState
from monitor.report_format import CSV_COLUMNS, IDENTITY
from schemas.contract.envelope import Hop
from schemas.contract.states import HOP_STAGES, DeliveryKind, EventKind, OutcomeStatus
from schemas.v1.feedback import Feedback, FeedbackStatus

AT = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)


def test_outcome_status_values_are_what_the_journal_stores() -> None:
    assert [s.value for s in OutcomeStatus] == ["delivered", "review", "rejected"]
    assert set(PIPELINE_STATUSES) == set(OutcomeStatus)
    # The stored document (pydantic-core's encoder, as the journal uses) holds the plain string.
    document = PipelineOutcome(OutcomeStatus.REVIEW, reasons="credit_code.checksum").document()
    assert to_json(document) == (
        b'{"status":"review","routes":{},"reasons":"credit_code.checksum","feedback":false}'
    )
    assert json.loads(to_json(document))["status"] == "review"


def test_an_outcome_read_back_holds_a_member_and_an_unknown_status_is_refused() -> None:
    outcome = PipelineOutcome.from_document({"status": "delivered", "routes": {"tax": "r1"}})
    assert outcome.status is OutcomeStatus.DELIVERED
    with pytest.raises(ValueError, match="unknown pipeline status 'held'"):
        PipelineOutcome.from_document({"status": "held"})


def test_every_outcome_status_has_its_metric_labels() -> None:
    assert set(hooks.IN_OUTCOMES) == set(OutcomeStatus)
    assert set(hooks.IN_OUTCOMES.values()) == set(metric_catalogue.IN_OUTCOMES)
    assert set(hooks.FEEDBACK_STATUSES) == set(OutcomeStatus)
    assert set(hooks.FEEDBACK_STATUSES.values()) == set(metric_catalogue.FEEDBACK_STATUSES)


def test_event_kinds_are_the_journal_event_column_values_in_order() -> None:
    assert [k.value for k in EventKind] == [
        "received", "rejected", "standardised", "routed", "review", "verified", "feedback",
        "delivered", "duplicate", "retried", "failed", "dead_lettered", "replayed",
    ]  # fmt: skip
    assert EVENT_KINDS == tuple(EventKind)


def test_a_journal_event_holds_a_member_whether_made_from_one_or_read_back_as_text() -> None:
    made = JournalEvent(message_id="m", event=EventKind.ROUTED, at=AT, source="s",
                        record_type="t", correlation_id="c")
    read = JournalEvent(message_id="m", event="routed", at=AT, source="s",  # type: ignore[arg-type]
                        record_type="t", correlation_id="c")
    assert made == read
    assert read.event is EventKind.ROUTED
    with pytest.raises(ValueError, match="unknown journal event 'routd'"):
        event_kind("routd")
    with pytest.raises(ValueError, match="unknown journal event 'routd'"):
        MessageQuery(event="routd")  # type: ignore[arg-type]


def test_the_pipeline_hops_are_event_kinds_and_hop_stages_too() -> None:
    outcome = PipelineOutcome(OutcomeStatus.DELIVERED, routes={"tax": "r1"}, feedback=True)
    kinds = [kind for kind, _, _ in outcome.hops("src", standardised=True)]
    assert kinds == ["received", "standardised", "routed", "feedback"]
    assert all(type(kind) is EventKind for kind in kinds)
    assert set(kinds) <= set(HOP_STAGES)
    assert [s.value for s in HOP_STAGES] == [
        "received", "standardised", "routed", "rejected", "review", "verified", "feedback",
    ]


def test_a_hop_made_with_a_member_is_encoded_as_its_plain_value() -> None:
    hop = Hop(stage=EventKind.VERIFIED, at=AT, node="h:1")
    assert json.loads(hop.model_dump_json())["stage"] == "verified"
    assert type(hop.stage) is str


def test_delivery_kinds_are_event_kinds_with_their_metric_labels() -> None:
    kinds = set(get_args(DeliveryKind))
    assert {k.value for k in kinds} == {
        "delivered", "duplicate", "retried", "failed", "dead_lettered",
    }
    assert set(hooks.DELIVERY_OUTCOMES) <= kinds
    assert set(hooks.DELIVERY_OUTCOMES.values()) <= set(metric_catalogue.OUT_OUTCOMES)


def test_review_statuses_map_to_journal_events_and_metric_labels() -> None:
    assert [s.value for s in ReviewStatus] == ["verified", "rejected", "retried", "handed_over"]
    assert set(_REVIEW_EVENTS) == set(ReviewStatus)
    assert set(hooks.REVIEW_OUTCOMES.values()) == set(metric_catalogue.REVIEW_OUTCOMES)
    # retried is not an end: counted as a retry, not as a review outcome.
    assert set(hooks.REVIEW_OUTCOMES) == set(ReviewStatus) - {ReviewStatus.RETRIED}


def test_fate_states_are_the_report_columns() -> None:
    assert [s.value for s in STATES] == ["delivered", "rejected", "dead_lettered", "in_flight"]
    assert STATES == tuple(FateState)
    assert set(STATES) <= set(CSV_COLUMNS)
    assert IDENTITY == f"received = {' + '.join(STATES)}"


def test_feedback_statuses_are_the_feedback_schema_and_metric_labels() -> None:
    statuses = set(get_args(FeedbackStatus))
    assert statuses == {"rejected", "repaired", "review", "accepted"}
    assert set(Feedback.model_json_schema()["properties"]["status"]["enum"]) == statuses
    assert set(metric_catalogue.FEEDBACK_STATUSES) <= statuses
