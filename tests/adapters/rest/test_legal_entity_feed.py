"""The library's change feed becomes ``enterprise_registration`` records of the standard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import schemas
from adapters.legal_entity import LegalEntityFeedAdapter, LegalEntityFeedConfig
from adapters.legal_entity.layout import compose_scope, normalise_date, parse_scope
from adapters.legal_entity.library_mapping import to_registration
from adapters.rest.pull import WATERMARK_KEY, ItemRefused
from adapters.simulators.legal_entity_library import (
    LegalEntityLibrarySimulator,
    to_library_layout,
)
from adapters.testing import MemoryCheckpoints, RecordingPort
from tests.adapters.rest.harness import as_port

SAMPLES = json.loads(
    (Path(__file__).parents[3] / "hub" / "app" / "samples" / "registrations.json").read_text("utf-8"))
CODE = "91310112MA1GB2002R"
CHANGE: dict[str, Any] = {
    "CHANGE_TYPE": "02", "UNISCID": CODE, "ENTNAME": "上海闵行示例物流有限公司",
    "ALTDATE": "2026/12/01", "ESTDATE": "20261120",
    "OPSCOPE": "许可项目：食品经营（销售预包装食品）；道路货物运输（不含危险货物）（依法须经批准的项目，"
               "经相关部门批准后方可开展经营活动，具体经营项目以相关部门批准文件或许可证件为准）。"
               "一般项目：技术服务、技术开发、技术咨询；仓储服务（除依法须经批准的项目外，凭营业执照依法"
               "自主开展经营活动）。",
    "ALTITEMS": [{"ALTITEM": "经营范围", "ALTBE": "仓储服务", "ALTAF": "仓储服务；食品经营"}],
    "REGSTATE_CN": "存续",
}


def verdict(record: dict[str, Any]) -> schemas.Verdict:
    return schemas.validate_record("enterprise_registration", record)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s["credit_code"])
def test_a_registration_survives_the_librarys_layout_unchanged(sample: dict[str, Any]) -> None:
    record = to_registration(to_library_layout(sample))
    assert record == sample
    assert verdict(record).status == "valid"


def test_a_change_maps_dates_scope_and_changed_items_and_meets_the_standard() -> None:
    record = to_registration(CHANGE)
    assert record["event"] == "change"
    assert (record["registration_date"], record["change_date"]) == ("2026-11-20", "2026-12-01")
    assert record["business_scope"] == {
        "licensed_items": ["食品经营（销售预包装食品）", "道路货物运输（不含危险货物）"],
        "general_items": ["技术服务、技术开发、技术咨询", "仓储服务"],
    }
    assert record["changes"] == [{"item": "经营范围", "before": "仓储服务",
                                  "after": "仓储服务；食品经营"}]
    assert "REGSTATE_CN" not in json.dumps(record)  # library-only fields stay behind
    assert verdict(record).status == "valid"


def test_a_deregistration_meets_the_standard() -> None:
    record = to_registration({"CHANGE_TYPE": "03", "UNISCID": CODE, "ENTNAME": "某公司",
                              "CANDATE": "2027-01-05 00:00:00"})
    assert record == {"event": "deregistration", "credit_code": CODE, "name": "某公司",
                      "deregistration_date": "2027-01-05"}
    assert verdict(record).status == "valid"


@pytest.mark.parametrize("text, licensed, general", [
    ("许可经营项目：烟草制品零售。一般经营项目：日用百货销售", ["烟草制品零售"], ["日用百货销售"]),
    ("食品销售；餐饮服务", ["食品销售", "餐饮服务"], []),  # no sections: counted as licensed
    ("一般项目: 软件开发; 技术服务", [], ["软件开发", "技术服务"]),
    ("", [], []),
])
def test_scope_text_is_split_into_licensed_and_general_items(
    text: str, licensed: list[str], general: list[str]
) -> None:
    assert parse_scope(text) == (licensed, general)
    assert parse_scope(compose_scope(licensed, general)) == (licensed, general)


def test_dates_in_the_librarys_forms_are_normalised_and_others_left_for_the_standard() -> None:
    assert [normalise_date(d) for d in ("2026-11-20", "2026/11/20", "20261120",
                                        "2026-11-20T08:00:00+08:00")] == ["2026-11-20"] * 4
    record = to_registration({**CHANGE, "ALTDATE": "12/01/2026"})
    assert record["change_date"] == "12/01/2026"
    assert verdict(record).status == "rejected"


def test_missing_facts_are_left_for_the_standard_to_report_not_invented() -> None:
    record = to_registration({"CHANGE_TYPE": "01", "ENTNAME": "无代码公司", "ESTDATE": "2026-11-20"})
    assert "credit_code" not in record
    result = verdict(record)
    assert result.status == "rejected"
    assert "credit_code" in {p.path for p in result.problems}


@pytest.mark.parametrize("change, code, path", [
    ({"CHANGE_TYPE": "04"}, "adapter.unsupported", "CHANGE_TYPE"),
    ({}, "adapter.unsupported", "CHANGE_TYPE"),
    ({"CHANGE_TYPE": "02", "ALTITEMS": "经营范围变更"}, "adapter.row_invalid", "ALTITEMS"),
])
def test_changes_the_standard_cannot_express_are_refused(
    change: dict[str, Any], code: str, path: str
) -> None:
    with pytest.raises(ItemRefused) as refused:
        to_registration({"UNISCID": CODE, **change})
    assert (refused.value.problem.code, refused.value.problem.path) == (code, path)


def test_the_feed_adapter_takes_every_event_in_order_and_quarantines_the_inexpressible(
    library: LegalEntityLibrarySimulator,
) -> None:
    library.emit(SAMPLES[0], "enterprise_registration")
    library.emit(CHANGE, "enterprise_registration")
    library.emit({"CHANGE_TYPE": "04", "UNISCID": CODE, "ENTNAME": "吊销"},
                 "enterprise_registration")
    library.emit({"event": "deregistration", "credit_code": CODE, "name": "上海闵行示例物流有限公司",
                  "deregistration_date": "2027-01-05"}, "enterprise_registration")
    checkpoints = MemoryCheckpoints()
    port = RecordingPort("legal-entity-library", checkpoints)
    config = LegalEntityFeedConfig.model_validate(
        {**library.connection()["inbound"][0], "page_size": 2})
    adapter = LegalEntityFeedAdapter(config, system="legal-entity-library", port=as_port(port))
    assert adapter.poll_once() == 3
    adapter.stop()

    records = [json.loads(r.body) for r in port.submitted]
    assert [r["event"] for r in records] == ["establishment", "change", "deregistration"]
    assert [r.source_message_id for r in port.submitted] == [
        "CH-00000001", "CH-00000002", "CH-00000004"]
    assert {r.record_type for r in port.submitted} == {"enterprise_registration"}
    assert all(verdict(r).status == "valid" for r in records)
    (rejected,) = port.rejected
    assert rejected.problem.code == "adapter.unsupported"
    assert rejected.record_type == "enterprise_registration"
    assert json.loads(rejected.body) == library.changes()[2]
    assert json.loads(checkpoints.values[WATERMARK_KEY])["cursor"] == "4"


def test_the_feed_config_needs_only_the_url_and_carries_only_registrations() -> None:
    config = LegalEntityFeedConfig.model_validate(
        {"kind": "legal-entity-feed", "url": "https://library.example/changes"})
    assert (config.record_type, config.cursor_field, config.id_field) == (
        "enterprise_registration", "SEQ", "CHANGE_ID")
    with pytest.raises(ValidationError, match="enterprise_registration"):
        LegalEntityFeedConfig.model_validate({"kind": "legal-entity-feed",
                                              "url": "https://library.example/changes",
                                              "record_type": "credit_record"})
