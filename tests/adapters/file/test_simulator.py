"""The file department simulator, through the real adapters and the real hub pipeline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from adapters.file.drop import FileDropAdapter
from adapters.file.export import FileExportAdapter
from adapters.registry import AdapterRegistry
from adapters.simulators.file_dept import FileDeptSimulator
from adapters.testing import RecordingPort
from hub.config.system_catalogue import SystemCatalogue
from hub.hosting.adapter_host import (
    BrokerInboundPort,
    build_inbound,
    build_outbound,
    validate_config,
)
from hub.hosting.connections import Connections
from hub.journal import Journal
from schemas.contract.envelope import Envelope
from tests.adapters.file.support import LICENCE, licence
from tests.support.running_hub import RunningHub

PENALTY = {
    "party": dict(LICENCE["party"]),
    "decision_number": "沪闵市监罚〔2026〕88号",
    "violation_type": "未按规定公示",
    "violation_facts": "未在经营场所公示许可证",
    "legal_basis": "《食品安全法》第一百二十六条",
    "penalty_categories": ["警告", "罚款"],
    "penalty_content": "警告并处罚款",
    "fine_amount": "0.2",
}


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[FileDeptSimulator]:
    sim = FileDeptSimulator("culture", tmp_path / "culture")
    sim.start()
    yield sim
    sim.stop()


def _drop_adapter(sim: FileDeptSimulator, port: object) -> FileDropAdapter:
    raw = sim.connection()["inbound"][0]
    adapter = build_inbound(AdapterRegistry(), validate_config(AdapterRegistry(), raw),
                            sim.system, port)  # type: ignore[arg-type]
    assert isinstance(adapter, FileDropAdapter)
    return adapter


def test_emit_drops_a_gbk_csv_in_the_departments_layout_that_file_drop_reads_back(
    simulator: FileDeptSimulator,
) -> None:
    simulator.emit(licence(1), "administrative_licence")
    simulator.emit(PENALTY, "administrative_penalty")
    (licence_csv, _) = sorted(simulator.drop.glob("*.csv"))
    header = licence_csv.read_bytes().split(b"\r\n")[0].decode("gbk")
    assert header.startswith("行政相对人名称,行政相对人类别,统一社会信用代码")
    port = RecordingPort(source="culture")
    assert _drop_adapter(simulator, port).poll_once() == 2
    by_type = {r.record_type: json.loads(r.body) for r in port.submitted}
    assert by_type["administrative_licence"] == licence(1)
    assert by_type["administrative_penalty"] == PENALTY


def test_emit_refuses_what_the_layout_cannot_carry(simulator: FileDeptSimulator) -> None:
    with pytest.raises(ValueError, match="changes"):
        simulator.emit({"changes": [{"item": "名称"}]}, "enterprise_registration")


def test_a_dropped_licence_crosses_the_hub_and_lands_in_the_export_folder(
    simulator: FileDeptSimulator, broker_url: str, tmp_path: Path,
) -> None:
    hub = RunningHub(broker_url, tmp_path / "hub").start()
    journal = Journal.open(hub.settings.resolved_journal_url())
    port = BrokerInboundPort(broker_url, hub.hub.topology, "culture", "file-drop",
                             journal.checkpoints("file-drop:culture:0"))
    try:
        record = licence(7)
        record["authority"] = "上海市闵行区文化和旅游局"
        # culture decided it, so it names culture's own code (else: authority.not_sender)
        [culture] = SystemCatalogue.load().credit_codes("culture")
        record["authority_credit_code"] = record["data_source_credit_code"] = culture
        simulator.emit(record, "administrative_licence")
        assert _drop_adapter(simulator, port).poll_once() == 1
        (outcome,) = hub.wait_processed(1)
        assert outcome.status == "delivered", outcome.problems
        assert outcome.inbound.message_id == "administrative_licence-000001.csv#2"
        export = build_outbound(AdapterRegistry(), validate_config(
            AdapterRegistry(), simulator.connection()["outbound"]), simulator.system)  # type: ignore[arg-type]
        assert isinstance(export, FileExportAdapter)
        for output in outcome.outputs:
            export.deliver(Envelope.model_validate_json(output.body), output.body)
        (received, *_) = simulator.received()
        assert received["payload"]["licence_number"] == record["licence_number"]
        assert received["source"] == "culture"
    finally:
        port.close()
        journal.close()
        hub.close()


def test_the_connection_entry_is_a_valid_connections_file_entry(
    simulator: FileDeptSimulator, tmp_path: Path,
) -> None:
    path = tmp_path / "connections.yaml"
    path.write_text(yaml.safe_dump({"connections": {"culture": simulator.connection()}},
                                   allow_unicode=True), encoding="utf-8")
    connections = Connections.load(path, SystemCatalogue.load(None).ids)
    culture = connections.get("culture")
    assert culture is not None and culture.mode == "file"
    assert [c.kind for c in culture.inbound] == ["file-drop"]
    assert culture.outbound is not None and culture.outbound.kind == "file-export"
