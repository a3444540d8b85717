"""The mapping steps documented in transforms.apply_mapping, one rule per test."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from transforms.apply_mapping import apply_mapping
from transforms.mapping import RecordMapping
from transforms.transform_errors import TransformError


def _mapping(**fields: Any) -> RecordMapping:
    return RecordMapping.model_validate(
        {"record_types": ["administrative_penalty"], "layout": "json", **fields}
    )


def _error(record: dict[str, Any], mapping: RecordMapping) -> tuple[str, str]:
    with pytest.raises(TransformError) as caught:
        apply_mapping(record, mapping)
    return caught.value.code, caught.value.path


def test_renames_move_nested_source_paths_and_prune_emptied_objects() -> None:
    mapping = _mapping(
        renames={"jbxx.mc": "party.name", "jbxx.dm": "party.credit_code"}
    )
    record = {"jbxx": {"mc": "某公司", "dm": "91310112087994932F"}}
    assert apply_mapping(record, mapping) == {
        "party": {"name": "某公司", "credit_code": "91310112087994932F"}
    }


def test_one_source_key_can_feed_several_fields() -> None:
    mapping = _mapping(renames={"JG": ["authority", "data_source"]})
    assert apply_mapping({"JG": "某局"}, mapping) == {
        "authority": "某局",
        "data_source": "某局",
    }


def test_absent_null_and_empty_source_values_are_skipped() -> None:
    mapping = _mapping(renames={"A": "party.name", "B": "remarks", "C": "content"})
    assert apply_mapping({"B": None, "C": ""}, mapping) == {}


def test_dropped_keys_vanish_and_unmapped_keys_pass_through() -> None:
    mapping = _mapping(renames={"A": "party.name"}, drop=["SJC"])
    record = {
        "A": "x",
        "SJC": "2024-01-01 00:00:00",
        "decision_number": "1",
        "STRAY": "y",
    }
    assert apply_mapping(record, mapping) == {
        "decision_number": "1",
        "STRAY": "y",
        "party": {"name": "x"},
    }


def test_renamed_value_meeting_a_different_passed_through_value_conflicts() -> None:
    mapping = _mapping(renames={"MC": "party.name"})
    record = {"MC": "甲公司", "party": {"name": "乙公司"}}
    assert _error(record, mapping) == ("mapping.conflict", "party.name")


def test_renamed_value_into_a_scalar_parent_conflicts() -> None:
    mapping = _mapping(renames={"MC": "party.name"})
    assert _error({"MC": "甲", "party": "乙"}, mapping) == ("mapping.conflict", "party")


def test_split_cuts_at_every_separator_and_strips_items() -> None:
    mapping = _mapping(split={"penalty_categories": [",", "，"]})
    record = {"penalty_categories": " 警告 ，罚款,, "}
    assert apply_mapping(record, mapping) == {"penalty_categories": ["警告", "罚款"]}


def test_several_sources_collect_into_a_split_list_in_declaration_order() -> None:
    mapping = _mapping(
        renames={"LB1": "penalty_categories", "LB2": "penalty_categories"},
        split={"penalty_categories": ","},
    )
    record = {"LB2": "c", "LB1": "a,b"}
    assert apply_mapping(record, mapping) == {"penalty_categories": ["a", "b", "c"]}


def test_code_tables_translate_items_and_expand_list_entries() -> None:
    mapping = _mapping(
        split={"penalty_categories": ","},
        code_tables={
            "penalty_categories": {"0": "警告", "2": ["没收违法所得", "没收非法财物"]}
        },
    )
    assert apply_mapping({"penalty_categories": "2,0"}, mapping) == {
        "penalty_categories": ["没收违法所得", "没收非法财物", "警告"]
    }


def test_json_number_codes_are_looked_up_as_text() -> None:
    mapping = _mapping(code_tables={"licence_category": {"3": "核准"}})
    assert apply_mapping({"licence_category": 3}, mapping) == {
        "licence_category": "核准"
    }


def test_unknown_code_reports_the_item_index() -> None:
    mapping = _mapping(
        split={"penalty_categories": ","},
        code_tables={"penalty_categories": {"0": "警告"}},
    )
    assert _error({"penalty_categories": "0,0,7"}, mapping) == (
        "mapping.unknown_code",
        "penalty_categories.2",
    )


def test_rejection_entry_gives_ambiguous_code_with_the_explanation() -> None:
    mapping = _mapping(code_tables={"status": {"2": {"reject": "异议中"}}})
    with pytest.raises(TransformError) as caught:
        apply_mapping({"status": "2"}, mapping)
    assert (caught.value.code, caught.value.path) == (
        "mapping.ambiguous_code",
        "status",
    )
    assert "异议中" in caught.value.message


def test_object_where_a_code_is_expected_is_a_bad_value() -> None:
    mapping = _mapping(code_tables={"status": {"1": "1"}})
    assert _error({"status": {"code": "1"}}, mapping) == ("mapping.bad_value", "status")


def test_constants_fill_missing_fields_but_conflict_with_different_values() -> None:
    mapping = _mapping(constants={"data_source": "某局"})
    assert apply_mapping({}, mapping) == {"data_source": "某局"}
    assert apply_mapping({"data_source": "某局"}, mapping) == {"data_source": "某局"}
    assert _error({"data_source": "他局"}, mapping) == (
        "mapping.conflict",
        "data_source",
    )


def test_implied_values_are_set_only_when_the_trigger_is_present() -> None:
    mapping = _mapping(
        renames={"SFZ": "party.id_number"},
        implied={"party.id_number": {"party.id_type": "身份证"}},
    )
    assert apply_mapping({"SFZ": "310112198001011234"}, mapping) == {
        "party": {"id_number": "310112198001011234", "id_type": "身份证"}
    }
    assert apply_mapping({"SFZ": ""}, mapping) == {}


def test_refused_source_value_stops_the_record_at_the_source_path() -> None:
    mapping = _mapping(refuse={"ZT": {"1": "已撤销"}}, drop=["ZT"])
    assert _error({"ZT": 1}, mapping) == ("mapping.refused_code", "ZT")
    assert apply_mapping({"ZT": "0"}, mapping) == {}


def test_input_record_is_not_modified() -> None:
    mapping = _mapping(renames={"A.B": "party.name"}, split={"penalty_categories": ","})
    record = {"A": {"B": "x"}, "penalty_categories": "a,b"}
    before = copy.deepcopy(record)
    apply_mapping(record, mapping)
    assert record == before
