"""validate_record's flow: repair first (logged), then the strict check; a code failing only its
check character goes to review when allow-listed or when its organisation code is
self-consistent, and is rejected otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemas import Repair, validate_record

Sample = Callable[[str], dict[str, Any]]
# Not a known real code: a test-only allow-list entry that fails the check character only (its
# organisation code M000100Y4 is self-consistent).
NONCONFORMING = "91350100M000100Y45"
# 91310112087994932F with a digit of its organisation code changed: both checks fail.
MISTYPED = "91310112087894932F"


def test_a_repaired_code_gives_status_repaired_with_each_repair_logged(sample: Sample) -> None:
    record = sample("administrative_licence")
    record["party"]["credit_code"] = "９１３１０１１２０８７９９４９３２ｆ"
    verdict = validate_record("administrative_licence", record)
    assert verdict.status == "repaired"
    assert verdict.record is not None
    assert verdict.record["party"]["credit_code"] == "91310112087994932F"
    assert verdict.repairs == (
        Repair("repair.full_width_to_half_width", "party.credit_code",
               "９１３１０１１２０８７９９４９３２ｆ", "91310112087994932F"),
        Repair("repair.upper_cased", "party.credit_code",
               "９１３１０１１２０８７９９４９３２ｆ", "91310112087994932F"),
    )
    assert verdict.credit_code == "91310112087994932F"


def test_the_callers_data_is_not_changed_by_the_repair(sample: Sample) -> None:
    record = sample("administrative_licence")
    record["authority_credit_code"] = "91310000-132260250X"
    validate_record("administrative_licence", record)
    assert record["authority_credit_code"] == "91310000-132260250X"


def test_repairs_are_reported_even_when_the_record_is_rejected(sample: Sample) -> None:
    record = sample("supervision_alert")
    record["credit_code"] = "91440300 1922138216"  # a digit of the organisation code mistyped
    verdict = validate_record("supervision_alert", record)
    assert verdict.status == "rejected"
    assert [(p.code, p.path) for p in verdict.problems] == [("credit_code.checksum", "credit_code")]
    assert [r.code for r in verdict.repairs] == ["repair.whitespace_removed"]


def test_a_blank_optional_code_is_removed_and_counts_as_absent(sample: Sample) -> None:
    record = sample("administrative_penalty")
    record["party"]["credit_code"] = " "
    verdict = validate_record("administrative_penalty", record)
    assert verdict.status == "repaired"
    assert verdict.record is not None and "credit_code" not in verdict.record["party"]
    assert [r.code for r in verdict.repairs] == [
        "repair.whitespace_removed",
        "repair.blank_removed",
    ]


def test_a_blank_mandatory_code_is_missing(sample: Sample) -> None:
    record = sample("credit_record")
    record["credit_code"] = ""
    verdict = validate_record("credit_record", record)
    assert [(p.code, p.path) for p in verdict.problems] == [("field.missing", "credit_code")]


def test_an_allow_listed_checksum_failure_goes_to_review(sample: Sample) -> None:
    record = sample("credit_record")
    record["credit_code"] = NONCONFORMING
    verdict = validate_record("credit_record", record, nonconforming_codes={NONCONFORMING})
    assert verdict.status == "review"
    assert verdict.record is not None and verdict.record["credit_code"] == NONCONFORMING
    assert [(p.code, p.path) for p in verdict.problems] == [
        ("credit_code.nonconforming", "credit_code")
    ]
    assert verdict.credit_code == NONCONFORMING


def test_the_same_code_without_the_allow_list_is_held_as_suspect(sample: Sample) -> None:
    # Its organisation code is self-consistent: the signature of a code issued with a wrong
    # check character, which the legal-entity library settles.
    record = sample("credit_record")
    record["credit_code"] = NONCONFORMING
    verdict = validate_record("credit_record", record)
    assert verdict.status == "review"
    assert [(p.code, p.path) for p in verdict.problems] == [("credit_code.suspect", "credit_code")]
    assert "legal-entity library decides" in verdict.problems[0].message
    assert verdict.credit_code == NONCONFORMING


def test_a_code_whose_organisation_code_fails_too_is_rejected_unless_allow_listed(
    sample: Sample,
) -> None:
    record = sample("credit_record")
    record["credit_code"] = MISTYPED
    verdict = validate_record("credit_record", record)
    assert (verdict.status, verdict.credit_code) == ("rejected", None)
    assert [(p.code, p.path) for p in verdict.problems] == [("credit_code.checksum", "credit_code")]
    listed = validate_record("credit_record", record, nonconforming_codes={MISTYPED})
    assert (listed.status, listed.credit_code) == ("review", MISTYPED)
    assert [p.code for p in listed.problems] == ["credit_code.nonconforming"]


def test_the_allow_list_does_not_excuse_other_faults(sample: Sample) -> None:
    record = sample("credit_record")
    record["credit_code"] = "91350100M000100Y4Z"
    verdict = validate_record("credit_record", record, nonconforming_codes={"91350100M000100Y4Z"})
    assert [p.code for p in verdict.problems] == ["credit_code.charset"]


def test_review_wins_over_repaired_and_keeps_both_lists(sample: Sample) -> None:
    record = sample("administrative_licence")
    record["party"]["credit_code"] = NONCONFORMING.lower()
    verdict = validate_record("administrative_licence", record, nonconforming_codes={NONCONFORMING})
    assert verdict.status == "review"
    assert [p.path for p in verdict.problems] == ["party.credit_code"]
    assert [r.code for r in verdict.repairs] == ["repair.upper_cased"]


def test_a_clean_record_reports_nothing(sample: Sample) -> None:
    verdict = validate_record("credit_record", sample("credit_record"))
    assert (verdict.status, verdict.problems, verdict.repairs) == ("valid", (), ())
    assert verdict.accepted


def test_a_rejected_record_still_names_its_valid_filing_code(sample: Sample) -> None:
    record = sample("credit_record")
    record["title"] = ""
    verdict = validate_record("credit_record", record)
    assert not verdict.accepted
    assert verdict.credit_code == "913502006120495420"


def test_system_ids_can_be_replaced_for_one_call(sample: Sample) -> None:
    record = sample("inspection_result")
    verdict = validate_record("inspection_result", record, system_ids={"lab"})
    assert [(p.code, p.path) for p in verdict.problems] == [("system.unknown", "department")]
