"""The conditional rules of the 双公示 standard and of the other record types.

Each test starts from a valid sample, breaks one rule and checks the reason code and path; where
a rule has a satisfying form, the test also shows that form is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from schemas import PLACEHOLDER, validate_record

Sample = Callable[[str], dict[str, Any]]


def problems(record_type: str, data: dict[str, Any]) -> set[tuple[str, str]]:
    verdict = validate_record(record_type, data)
    return {(p.code, p.path) for p in verdict.problems}


def organisation_party() -> dict[str, Any]:
    return {
        "name": "上海闵行示例餐饮有限公司",
        "category": "法人及非法人组织",
        "credit_code": "91310112087994932F",
        "legal_representative": "张三",
    }


@pytest.mark.parametrize("category", ["法人及非法人组织", "个体工商户"])
def test_organisations_and_individual_businesses_need_a_credit_code(
    sample: Sample, category: str
) -> None:
    record = sample("administrative_licence")
    record["party"] = {**organisation_party(), "category": category}
    del record["party"]["credit_code"]
    assert ("field.missing", "party.credit_code") in problems("administrative_licence", record)


def test_a_natural_person_needs_no_credit_code(sample: Sample) -> None:
    record = sample("administrative_penalty")
    assert "credit_code" not in record["party"]
    assert validate_record("administrative_penalty", record).status == "valid"


def test_placeholder_is_valid_for_an_individual_business_with_registration_number(
    sample: Sample,
) -> None:
    record = sample("administrative_licence")
    record["party"] = {
        "name": "闵行区示例小吃店",
        "category": "个体工商户",
        "credit_code": PLACEHOLDER,
        "registration_number": "310112600123456",
    }
    verdict = validate_record("administrative_licence", record)
    assert verdict.status == "valid"
    assert verdict.credit_code is None  # the placeholder is never a filing key


def test_placeholder_makes_registration_number_mandatory(sample: Sample) -> None:
    record = sample("administrative_licence")
    record["party"] = {"name": "闵行区示例小吃店", "category": "个体工商户", "credit_code": PLACEHOLDER}
    assert problems("administrative_licence", record) == {
        ("field.missing", "party.registration_number")
    }


@pytest.mark.parametrize("category", ["法人及非法人组织", "自然人"])
def test_placeholder_is_refused_for_other_party_categories(sample: Sample, category: str) -> None:
    record = sample("administrative_licence")
    record["party"] = {
        **organisation_party(),
        "category": category,
        "credit_code": PLACEHOLDER,
        "registration_number": "310112000123456",
        "id_type": "身份证",
        "id_number": "310112199001011234",
    }
    assert problems("administrative_licence", record) == {
        ("credit_code.placeholder_not_allowed", "party.credit_code")
    }


@pytest.mark.parametrize(
    ("record_type", "path"),
    [
        ("administrative_licence", "authority_credit_code"),
        ("administrative_licence", "data_source_credit_code"),
        ("administrative_penalty", "authority_credit_code"),
        ("administrative_penalty", "data_source_credit_code"),
        ("enterprise_registration", "credit_code"),
    ],
)
def test_placeholder_is_refused_for_authorities_and_registrations(
    sample: Sample, record_type: str, path: str
) -> None:
    record = sample(record_type)
    record[path] = PLACEHOLDER
    assert problems(record_type, record) == {("credit_code.placeholder_not_allowed", path)}


def test_organisations_need_a_legal_representative(sample: Sample) -> None:
    record = sample("administrative_licence")
    del record["party"]["legal_representative"]
    assert problems("administrative_licence", record) == {
        ("field.missing", "party.legal_representative")
    }


def test_natural_persons_need_id_type_and_number(sample: Sample) -> None:
    record = sample("administrative_penalty")
    del record["party"]["id_type"], record["party"]["id_number"]
    assert problems("administrative_penalty", record) == {
        ("field.missing", "party.id_type"),
        ("field.missing", "party.id_number"),
    }


@pytest.mark.parametrize(
    ("categories", "absent", "path"),
    [
        (["罚款"], "fine_amount", "fine_amount"),
        (["没收违法所得"], "confiscated_amount", "confiscated_amount"),
        (["没收非法财物"], "confiscated_amount", "confiscated_amount"),
        (["暂扣许可证件"], "suspended_licence", "suspended_licence"),
        (["吊销许可证件"], "suspended_licence", "suspended_licence"),
    ],
)
def test_penalty_categories_make_their_amount_or_licence_mandatory(
    sample: Sample, categories: list[str], absent: str, path: str
) -> None:
    record = sample("administrative_penalty")
    record["penalty_categories"] = categories
    record.pop(absent, None)
    assert problems("administrative_penalty", record) == {("field.missing", path)}


def test_suspended_licence_satisfies_the_licence_measures(sample: Sample) -> None:
    record = sample("administrative_penalty")
    record["penalty_categories"] = ["警告", "吊销许可证件"]
    record["suspended_licence"] = "食品经营许可证 JY23101120012345"
    assert validate_record("administrative_penalty", record).status == "valid"


def test_a_warning_alone_needs_no_amount(sample: Sample) -> None:
    record = sample("administrative_penalty")
    record["penalty_categories"] = ["警告"]
    del record["fine_amount"], record["confiscated_amount"]
    assert validate_record("administrative_penalty", record).status == "valid"


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ("establishment", "registration_date"),
        ("change", "change_date"),
        ("deregistration", "deregistration_date"),
    ],
)
def test_registration_events_need_their_date(sample: Sample, event: str, field: str) -> None:
    record = sample("enterprise_registration")
    record["event"] = event
    record.pop(field, None)
    assert ("field.missing", field) in problems("enterprise_registration", record)


def test_campaign_inspections_name_their_campaign(sample: Sample) -> None:
    record = sample("inspection_result")
    record["kind"] = "campaign"
    assert problems("inspection_result", record) == {("field.missing", "campaign_name")}
    record["campaign_name"] = "校园周边食品安全专项整治"
    assert validate_record("inspection_result", record).status == "valid"


def test_discipline_targets_need_a_code_unless_natural_persons(sample: Sample) -> None:
    record = sample("discipline_measure")
    del record["target"]["credit_code"]
    assert problems("discipline_measure", record) == {("field.missing", "target.credit_code")}
    record["target"]["category"] = "自然人"
    assert validate_record("discipline_measure", record).status == "valid"


def test_a_measure_needs_a_name_or_a_code(sample: Sample) -> None:
    record = sample("discipline_measure")
    del record["measure"]["name"]
    assert problems("discipline_measure", record) == {("field.missing", "measure.name")}
    record["measure"]["code"] = "ZFCG-01"
    assert validate_record("discipline_measure", record).status == "valid"


def test_a_completed_report_says_when_it_was_carried_out(sample: Sample) -> None:
    record = sample("discipline_report")
    del record["carried_out_on"]
    assert problems("discipline_report", record) == {("field.missing", "carried_out_on")}
    record["status"] = "in_progress"
    assert validate_record("discipline_report", record).status == "valid"


@pytest.mark.parametrize(
    ("record_type", "earlier", "later", "later_path"),
    [
        ("administrative_licence", "valid_from", "valid_to", "valid_to"),
        ("administrative_penalty", "decision_date", "valid_until", "valid_until"),
        ("supervision_alert", "raised_on", "due_date", "due_date"),
        ("credit_record", "issued_on", "valid_until", "valid_until"),
        ("enterprise_registration", "registration_date", "change_date", "change_date"),
    ],
)
def test_an_end_date_before_its_start_is_date_order(
    sample: Sample, record_type: str, earlier: str, later: str, later_path: str
) -> None:
    record = sample(record_type)
    record[earlier], record[later] = "2024-06-02", "2024-06-01"
    assert problems(record_type, record) == {("date.order", later_path)}


def test_a_listing_cannot_end_before_it_began(sample: Sample) -> None:
    record = sample("discipline_measure")
    record["listing"]["ends_on"] = "2024-05-31"
    assert problems("discipline_measure", record) == {("date.order", "listing.ends_on")}
