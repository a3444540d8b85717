"""Reusable field types: dates, amounts, division and industry codes, code lists, system ids."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.codelists import CODELISTS_FILE, load_codelists
from schemas.types import (
    Amount,
    DivisionCode,
    IdType,
    IndustryCode,
    PenaltyCategory,
    StdDate,
    SystemId,
)
from schemas.types.context import SYSTEM_IDS
from schemas.types.divisions import load_divisions
from schemas.validation_problems import problems_from


def reason(annotation: Any, value: Any, context: dict[str, Any] | None = None) -> str | None:
    """The reason code a one-field model gives ``value`` (None when it is accepted)."""

    class Probe(BaseModel):
        value: annotation

    try:
        Probe.model_validate({"value": value}, context=context)
    except ValidationError as e:
        (problem,) = problems_from(e)
        assert problem.path == "value"
        return problem.code
    return None


def dumped(annotation: Any, value: Any) -> Any:
    class Probe(BaseModel):
        value: annotation

    return Probe.model_validate({"value": value}).model_dump(mode="json")["value"]


@pytest.mark.parametrize("text", ["2024-03-01", "2024/03/01"])
def test_both_date_formats_are_read_and_emitted_iso(text: str) -> None:
    assert dumped(StdDate, text) == "2024-03-01"


def test_a_date_object_is_accepted() -> None:
    assert dumped(StdDate, date(2024, 3, 1)) == "2024-03-01"


@pytest.mark.parametrize(
    "value", ["2024/03-01", "20240301", "2024-3-1", "01/03/2024", "２０２４-03-01", 20240301]
)
def test_other_date_forms_are_date_format(value: Any) -> None:
    assert reason(StdDate, value) == "date.format"


def test_a_datetime_is_not_a_date() -> None:
    assert reason(StdDate, datetime(2024, 3, 1, 12)) == "date.format"


@pytest.mark.parametrize("value", ["2023-02-29", "2024/13/01", "2024-04-31"])
def test_impossible_dates_are_date_invalid(value: str) -> None:
    assert reason(StdDate, value) == "date.invalid"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.2, "0.2"),
        ("0.035", "0.035"),
        (15, "15"),
        ("0.000001", "0.000001"),
        (Decimal("1.50"), "1.50"),
    ],
)
def test_amounts_keep_their_decimal_text(value: Any, text: str) -> None:
    assert dumped(Amount, value) == text


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0.0000001", "amount.precision"),
        (0.1 + 0.2, "amount.precision"),
        ("-0.2", "amount.negative"),
        (-3, "amount.negative"),
        ("1e3", "amount.format"),
        ("0.2万元", "amount.format"),
        ("", "amount.format"),
        (True, "amount.format"),
        (float("nan"), "amount.format"),
        ([1], "amount.format"),
    ],
)
def test_bad_amounts_have_specific_reasons(value: Any, code: str) -> None:
    assert reason(Amount, value) == code


@pytest.mark.parametrize("code", ["310112", "310000", "310151", "310103", "310230", "440300"])
def test_division_codes_accepted_by_the_documented_policy(code: str) -> None:
    assert reason(DivisionCode, code) is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("310102", "division.unknown"),
        ("319999", "division.unknown"),
        ("990000", "division.unknown"),
        ("31011", "division.format"),
        ("31011A", "division.format"),
    ],
)
def test_bad_division_codes(value: str, code: str) -> None:
    assert reason(DivisionCode, value) == code


def test_division_data_lists_all_sixteen_districts_and_the_abolished_codes() -> None:
    data = load_divisions()
    abolished = {"310103", "310108", "310119", "310230"}
    assert abolished <= data.shanghai
    assert len(data.shanghai - abolished - {"310000"}) == 16


@pytest.mark.parametrize("value", ["I", "I64", "I641", "I6410", "A0111", "T9700"])
def test_industry_codes_of_each_level_are_accepted(value: str) -> None:
    assert reason(IndustryCode, value) is None


@pytest.mark.parametrize("value", ["U10", "I6", "I64101", "i64", "64", "I 64", ""])
def test_malformed_industry_codes_are_industry_format(value: str) -> None:
    assert reason(IndustryCode, value) == "industry.format"


@pytest.mark.parametrize("value", ["身份证", "外国人永久居留身份证", "其他-军官证"])
def test_id_types_of_the_list_or_other_with_text(value: str) -> None:
    assert reason(IdType, value) is None


@pytest.mark.parametrize("value", ["其他-", "其他", "驾驶证"])
def test_other_id_types_are_enum_unknown(value: str) -> None:
    assert reason(IdType, value) == "enum.unknown"


def test_penalty_category_list_is_the_2021_law() -> None:
    assert reason(PenaltyCategory, "通报批评") is None
    # The pre-2021 numeric codes are for the mapping stage, not the standard.
    assert reason(PenaltyCategory, "1") == "enum.unknown"


def test_every_code_list_in_the_file_loads_with_values() -> None:
    lists = load_codelists(CODELISTS_FILE)
    assert {"party_category", "penalty_category", "licence_status", "alert_level"} <= set(lists)
    assert all(codes.values for codes in lists.values())
    assert list(lists["industry_edition"].values) == ["2011", "2017"]


def test_known_system_ids_come_from_the_hub_catalogue() -> None:
    assert reason(SystemId, "market") is None
    assert reason(SystemId, "city-platform") is None
    assert reason(SystemId, "marketing") == "system.unknown"
    assert reason(SystemId, "Market") == "field.pattern"


def test_system_ids_can_be_given_in_the_validation_context() -> None:
    assert reason(SystemId, "lab", {SYSTEM_IDS: {"lab"}}) is None
    assert reason(SystemId, "market", {SYSTEM_IDS: {"lab"}}) == "system.unknown"
