"""An outcome's journal records, made from its snapshot on the writer thread."""

from __future__ import annotations

import gc
import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest

from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.journal import Journal
from hub.journal.engine import record_json
from hub.observers.journal_hooks import outcome_snapshot, snapshot_records
from hub.pipeline.processor import Outcome, Processor
from schemas.contract.messages import InboundMessage

LICENCE = Path(__file__).parents[1] / "hub" / "records" / "licence.json"


@pytest.fixture(scope="module")
def processor() -> Processor:
    data_dir = Path(tempfile.mkdtemp())
    return Hub(load_settings(broker_url="memory://", data_dir=data_dir)).processor()


def process(processor: Processor, **changes: object) -> Outcome:
    record = {**json.loads(LICENCE.read_bytes()), **changes}
    return processor.process(InboundMessage(
        body=json.dumps(record, ensure_ascii=False).encode(),
        routing_key="market.administrative_licence", content_type="application/json",
        message_id="src-1", headers={"hub-schema-version": "1.0", "x-batch": 7},
    ))


def test_a_routed_input_is_one_message_whose_outcome_stands_for_its_hops(
    processor: Processor,
) -> None:
    outcome = process(processor)
    [message], separate = snapshot_records(outcome_snapshot(outcome))
    assert separate == []
    events = message.pipeline_events()
    assert (message.message_id, message.source_message_id, message.body) == (
        outcome.message_id, "src-1", outcome.inbound.body)
    assert (message.credit_code, message.content_hash) == (outcome.credit_code,
                                                           outcome.content_hash)
    assert [(e.event, e.destination) for e in events] == [
        ("received", None), ("standardised", None),
        *[("routed", d) for d in sorted(outcome.destinations)]]
    rules = {m.destination: m.rule for m in outcome.matches}
    assert {e.destination: e.detail for e in events if e.event == "routed"} == rules
    assert {e.at for e in events} == {outcome.received_at}


def test_a_rejected_input_names_its_reasons_and_the_feedback_sent(processor: Processor) -> None:
    outcome = process(processor, unknown_one=1, unknown_two=2)
    assert outcome.status == "rejected"
    [message], _ = snapshot_records(outcome_snapshot(outcome))
    assert (message.source, message.body) == ("market", outcome.inbound.body)
    events = message.pipeline_events()
    rejected = next(e for e in events if e.event == "rejected")
    assert rejected.destination == "quarantine"
    assert rejected.detail == ", ".join(p.code for p in outcome.problems)
    assert (events[-1].event, events[-1].destination, events[-1].detail) == (
        "feedback", "market", "rejected")


def test_a_delivered_inputs_note_is_kept_with_its_outcome(processor: Processor) -> None:
    record = json.loads(LICENCE.read_bytes())
    outcome = processor.process(InboundMessage(
        body=json.dumps(record, ensure_ascii=False).encode(), reply_to="hub.out.tax",
        routing_key="market.administrative_licence", content_type="application/json"))
    [message], _ = snapshot_records(outcome_snapshot(outcome))
    assert message.outcome is not None
    assert (message.outcome.status, message.outcome.reasons) == ("delivered", "reply_to.refused")
    assert message.outcome.feedback, "the source was told"


def test_what_is_written_reads_back_as_the_outcome_had_it(
    processor: Processor, journal: Journal,
) -> None:
    outcome = process(processor)
    [message], events = snapshot_records(outcome_snapshot(outcome))
    journal.record([message], events)
    stored = journal.message(outcome.message_id)
    assert stored is not None
    assert stored.payload == outcome.payload
    assert stored.headers == {"hub-schema-version": "1.0", "x-batch": 7}
    assert stored.outcome == message.outcome
    assert journal.trace(outcome.message_id) == message.pipeline_events()


def test_a_waiting_snapshot_costs_the_garbage_collector_nothing(processor: Processor) -> None:
    snapshot = outcome_snapshot(process(processor))
    gc.collect()
    gc.collect()
    assert not gc.is_tracked(snapshot)


def test_records_are_encoded_as_compact_utf8_json_and_anything_else_as_its_text() -> None:
    text = record_json({"name": "上海闵行示例餐饮有限公司", "capital": Decimal("1.50"), "n": [1, None]})
    assert text == '{"name":"上海闵行示例餐饮有限公司","capital":"1.50","n":[1,null]}'
