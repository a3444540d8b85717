"""The core's inbound port: what an adapter submits reaches the pipeline as a department's
message would, and what it refuses is quarantined with its reason and answered with feedback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.sdk import InboundRecord, RecordProblem
from hub.hosting.adapter_host import ADAPTER_HEADER, BrokerInboundPort
from hub.journal import Journal
from schemas.contract.topology import outbound_queue_name
from tests.support.running_hub import RunningHub

LICENCE = (Path(__file__).parents[1] / "hub" / "records" / "licence.json").read_bytes()


@pytest.fixture
def running(broker_url: str, tmp_path: Path) -> Iterator[tuple[RunningHub, BrokerInboundPort]]:
    hub = RunningHub(broker_url, tmp_path).start()
    journal = Journal.open(hub.settings.resolved_journal_url())
    port = BrokerInboundPort(
        broker_url, hub.hub.topology, "market", "test-kind", journal.checkpoints("test")
    )
    yield hub, port
    port.close()
    journal.close()
    hub.close()


def test_submitted_records_are_processed_like_a_departments_own(
    running: tuple[RunningHub, BrokerInboundPort],
) -> None:
    hub, port = running
    ids = port.submit([
        InboundRecord(LICENCE, "administrative_licence", source_message_id="row-1"),
        InboundRecord(LICENCE.replace(b"JY23101120012345", b"JY23101120012346"),
                      "administrative_licence"),
    ])
    outcomes = hub.wait_processed(2)
    assert [o.status for o in outcomes] == ["delivered", "delivered"]
    # The ids submit returns are the hub's own (those the journal keeps; they used to be the
    # source's ids, so an adapter's answer named an id `hub trace` did not know) ...
    assert ids == [o.message_id for o in outcomes]
    # ... and the source's own id still travels as the AMQP message id, for its feedback.
    assert outcomes[0].inbound.message_id == "row-1"
    assert outcomes[0].inbound.headers[ADAPTER_HEADER] == "test-kind"
    assert {o.source for o in outcomes} == {"market"}


def test_a_refused_record_is_quarantined_with_its_reason_and_answered(
    running: tuple[RunningHub, BrokerInboundPort],
) -> None:
    hub, port = running
    raw = "编号,名称\n1,\xff".encode("gbk", errors="replace")
    port.reject(raw, RecordProblem("adapter.row_invalid", "row has 2 of 14 columns", "row 2"),
                record_type="administrative_licence", content_type="text/csv",
                source_message_id="upload.csv#2")
    (outcome,) = hub.wait_processed(1)
    assert outcome.status == "rejected"
    (quarantined,) = hub.read("hub.quarantine", 1)
    assert quarantined.body == raw
    reasons = json.loads(quarantined.headers["hub-reasons"])
    assert reasons == [{"code": "adapter.row_invalid", "path": "row 2",
                        "message": "row has 2 of 14 columns"}]
    (feedback,) = hub.read(outbound_queue_name("market"), 1)
    payload = feedback.json()["payload"]
    assert payload["status"] == "rejected"
    assert payload["regarding_source_message_id"] == "upload.csv#2"
    assert payload["problems"][0]["code"] == "adapter.row_invalid"


def test_checkpoints_persist_per_adapter(running: tuple[RunningHub, BrokerInboundPort]) -> None:
    hub, port = running
    assert port.checkpoints.get("watermark") is None
    port.checkpoints.put("watermark", "2026-11-28T07:00:00")
    port.checkpoints.put("watermark", "2026-11-28T08:00:00")
    journal = Journal.open(hub.settings.resolved_journal_url())
    try:
        assert journal.checkpoints("test").get("watermark") == "2026-11-28T08:00:00"
        assert journal.checkpoints("other").get("watermark") is None
    finally:
        journal.close()
