"""Every record type: a valid sample passes, a typical fault is rejected with code and path."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schemas import (
    RECORD_TYPES,
    SCHEMA_VERSION,
    UnknownRecordType,
    UnknownSchemaVersion,
    filing_code,
    list_paths,
    model_for,
    validate_record,
)

Sample = Callable[[str], dict[str, Any]]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_the_valid_sample_of_each_record_type_is_valid(sample: Sample, record_type: str) -> None:
    verdict = validate_record(record_type, sample(record_type))
    assert (verdict.status, verdict.problems, verdict.repairs) == ("valid", (), ())
    assert verdict.record is not None


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_a_unified_record_validates_again_unchanged(sample: Sample, record_type: str) -> None:
    first = validate_record(record_type, sample(record_type)).record
    assert first is not None
    assert validate_record(record_type, first).record == first


def test_the_unified_form_has_iso_dates_decimal_text_and_no_absent_fields(sample: Sample) -> None:
    record = validate_record("administrative_penalty", sample("administrative_penalty")).record
    assert record is not None
    assert record["fine_amount"] == "0.2"
    assert record["confiscated_amount"] == "0.035"
    assert record["decision_date"] == "2024-04-10"
    assert "publication_deadline" not in record and "credit_code" not in record["party"]


# (record type, change to the valid sample, expected code, expected path)
REJECTIONS: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("enterprise_registration", lambda r: r["industry"].update(code="I6"), "industry.format",
     "industry.code"),
    ("enterprise_registration", lambda r: r.update(division_code="310102"), "division.unknown",
     "division_code"),
    ("enterprise_registration", lambda r: r["business_scope"]["licensed_items"].append(""),
     "field.too_short", "business_scope.licensed_items.1"),
    ("enterprise_registration", lambda r: r.update(event="merger"), "enum.unknown", "event"),
    ("administrative_licence", lambda r: r.update(licence_category="许可"), "enum.unknown",
     "licence_category"),
    ("administrative_licence", lambda r: r.update(status="有效"), "enum.unknown", "status"),
    ("administrative_licence", lambda r: r["party"].update(name="名" * 201), "field.too_long",
     "party.name"),
    ("administrative_licence", lambda r: r["party"].update(nickname="x"), "field.unknown",
     "party.nickname"),
    ("administrative_penalty", lambda r: r.update(penalty_categories=[]), "field.too_short",
     "penalty_categories"),
    ("administrative_penalty", lambda r: r["penalty_categories"].append("罚金"), "enum.unknown",
     "penalty_categories.2"),
    ("administrative_penalty", lambda r: r.update(fine_amount="0.2000001"), "amount.precision",
     "fine_amount"),
    ("inspection_result", lambda r: r.update(result="合格"), "enum.unknown", "result"),
    ("inspection_result", lambda r: r.update(department="市场局"), "field.pattern", "department"),
    ("inspection_result", lambda r: r.update(inspectors="王五"), "field.type", "inspectors"),
    ("discipline_measure", lambda r: r.update(enforcing_departments=["commerce", "mayor"]),
     "system.unknown", "enforcing_departments.1"),
    ("discipline_measure", lambda r: r["listing"].update(list_type="红名单"), "enum.unknown",
     "listing.list_type"),
    ("discipline_report", lambda r: r.update(status="done"), "enum.unknown", "status"),
    ("discipline_report", lambda r: r.update(target_credit_code="913101173245******"),
     "credit_code.masked", "target_credit_code"),
    ("supervision_alert", lambda r: r.update(level="critical"), "enum.unknown", "level"),
    ("supervision_alert", lambda r: r.update(raised_on="2024.07.01"), "date.format", "raised_on"),
    ("credit_record", lambda r: r.update(credit_code="91350100M000100Y4Z"), "credit_code.charset",
     "credit_code"),
    ("credit_record", lambda r: r.update(category="失信信息"), "enum.unknown", "category"),
    ("feedback", lambda r: r.update(status="valid"), "enum.unknown", "status"),
    ("feedback", lambda r: r.update(issued_at="2024-05-01T08:30:00"), "datetime.format",
     "issued_at"),
    ("feedback", lambda r: r["repairs"][0].update(code="Upper Cased"), "field.pattern",
     "repairs.0.code"),
    ("feedback", lambda r: r.update(record_type="licence"), "enum.unknown", "record_type"),
]


@pytest.mark.parametrize(
    ("record_type", "change", "code", "path"),
    REJECTIONS,
    ids=[f"{t}-{c}-{p}" for t, _, c, p in REJECTIONS],
)
def test_each_record_type_rejects_with_code_and_path(
    sample: Sample, record_type: str, change: Callable[[dict[str, Any]], None], code: str, path: str
) -> None:
    record = sample(record_type)
    change(record)
    verdict = validate_record(record_type, record)
    assert verdict.status == "rejected" and verdict.record is None
    assert [(p.code, p.path) for p in verdict.problems] == [(code, path)]


def test_every_record_type_appears_in_the_rejection_table() -> None:
    assert {record_type for record_type, *_ in REJECTIONS} == set(RECORD_TYPES)


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_an_empty_record_lists_every_mandatory_field_as_missing(record_type: str) -> None:
    verdict = validate_record(record_type, {})
    model = model_for(record_type)
    mandatory = {name for name, info in model.model_fields.items() if info.is_required()}
    assert {(p.code, p.path) for p in verdict.problems} == {("field.missing", n) for n in mandatory}


def test_null_for_a_mandatory_field_is_missing(sample: Sample) -> None:
    record = sample("credit_record")
    record["title"] = None
    verdict = validate_record("credit_record", record)
    assert [(p.code, p.path) for p in verdict.problems] == [("field.missing", "title")]


def test_unknown_record_type_is_rejected_with_a_suggestion() -> None:
    verdict = validate_record("administrative_licenses", {})
    assert [(p.code, p.path) for p in verdict.problems] == [("record_type.unknown", "")]
    assert "administrative_licence" in verdict.problems[0].message


def test_unknown_schema_version_is_rejected(sample: Sample) -> None:
    verdict = validate_record("credit_record", sample("credit_record"), schema_version="2.0")
    assert [(p.code, p.path) for p in verdict.problems] == [("schema_version.unknown", "")]


@pytest.mark.parametrize("body", [[], "text", None, 42])
def test_a_body_that_is_not_an_object_is_rejected(body: Any) -> None:
    verdict = validate_record("credit_record", body)
    assert [p.code for p in verdict.problems] == ["body.not_an_object"]


JUNK: list[Any] = [None, 0, -1.5, True, "", " ", "x" * 6000, [], [None], {}, {"a": 1}, "２０２４"]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_junk_in_any_field_gives_problems_never_an_exception(
    sample: Sample, record_type: str
) -> None:
    valid = sample(record_type)
    for field in [*valid, "unexpected"]:
        for junk in JUNK:
            record = sample(record_type)
            record[field] = junk
            verdict = validate_record(record_type, record)
            assert verdict.status in {"valid", "repaired", "rejected"}
            assert all(p.code and isinstance(p.path, str) for p in verdict.problems)


def test_model_for_rejects_unknown_names_with_lookup_errors() -> None:
    assert model_for("feedback", SCHEMA_VERSION).__name__ == "Feedback"
    with pytest.raises(UnknownRecordType):
        model_for("penalty")
    with pytest.raises(UnknownSchemaVersion):
        model_for("feedback", "1")


def test_list_paths_include_nested_lists() -> None:
    assert list_paths("administrative_penalty") == {"penalty_categories"}
    assert list_paths("enterprise_registration") == {
        "business_scope.licensed_items",
        "business_scope.general_items",
        "changes",
    }
    assert list_paths("administrative_licence") == frozenset()


@pytest.mark.parametrize(
    ("record_type", "expected"),
    [
        ("administrative_licence", "91310112087994932F"),
        ("administrative_penalty", None),
        ("enterprise_registration", "91310112087994932F"),
        ("inspection_result", "91310112087994932F"),
        ("discipline_measure", "91310112087994932F"),
        ("discipline_report", "91310112087994932F"),
        ("supervision_alert", "914403001922038216"),
        ("credit_record", "913502006120495420"),
        ("feedback", "91310112087994932F"),
    ],
)
def test_filing_code_is_the_entitys_code(
    sample: Sample, record_type: str, expected: str | None
) -> None:
    record = validate_record(record_type, sample(record_type)).record
    assert record is not None
    assert filing_code(record_type, record) == expected
    assert validate_record(record_type, sample(record_type)).credit_code == expected


def test_filing_code_ignores_an_invalid_code() -> None:
    assert filing_code("credit_record", {"credit_code": "913101173245******"}) is None
    # Both the check character and the organisation code's own check fail.
    assert filing_code("credit_record", {"credit_code": "91310112087894932F"}) is None


@pytest.mark.parametrize("allowed", [set(), {"91310112087994932E"}], ids=["suspect", "allow-listed"])
def test_filing_code_keeps_a_code_held_for_review(allowed: set[str]) -> None:
    record = {"credit_code": "91310112087994932E"}  # fails only the check character
    assert filing_code("credit_record", record, nonconforming_codes=allowed) == "91310112087994932E"
