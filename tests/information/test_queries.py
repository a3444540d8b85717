"""The information service's queries on the supervision database, on SQLite and PostgreSQL:
an entity's profile as of a date, the joint-discipline check, search by name and by a person."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from hub.information import (
    SupervisionStore,
    Visibility,
    discipline_check,
    profile,
    search_by_name,
    search_by_person,
)
from hub.information.queries import restricts
from tests.information.conftest import Envelopes, sample

ENTITY = "91310112087994932F"  # 上海闵行示例餐饮有限公司, in every sample about it
PERSON_ID = "310112199001011234"  # 李四, the natural person the penalty sample names


def establishment() -> dict[str, Any]:
    registration = sample("enterprise_registration")
    registration.update(event="establishment", change_date=None, changes=None)
    return registration


def deregistration() -> dict[str, Any]:
    registration = sample("enterprise_registration")
    registration.update(event="deregistration", change_date=None, changes=None,
                        deregistration_date="2030-01-31")
    return registration


def penalty_on_entity(number: int, deadline: str | None) -> dict[str, Any]:
    penalty = sample("administrative_penalty")
    penalty["party"] = {"name": "上海闵行示例餐饮有限公司", "category": "法人及非法人组织",
                        "credit_code": ENTITY, "legal_representative": "张三"}
    penalty["decision_number"] = f"闵市监案处字〔2024〕第{number}号"
    penalty["publication_deadline"] = deadline
    return penalty


@pytest.fixture
def filed(store: SupervisionStore, envelopes: Envelopes) -> SupervisionStore:
    """The entity's file: established 2013, changed 2024, deregistered 2030; a food licence
    2024-03-01..2029-02-28; two penalties (one published until 2025-01-01); a random inspection;
    a government-procurement measure 2024-06-01..2027-06-01 for commerce and construction, and
    commerce's report; plus a natural person's penalty."""
    for record_type, payload in [
        ("enterprise_registration", establishment()),
        ("enterprise_registration", sample("enterprise_registration")),
        ("enterprise_registration", deregistration()),
        ("administrative_licence", sample("administrative_licence")),
        ("administrative_penalty", penalty_on_entity(7, "2025-01-01")),
        ("administrative_penalty", penalty_on_entity(8, None)),
        ("administrative_penalty", sample("administrative_penalty")),
        ("inspection_result", sample("inspection_result")),
        ("discipline_measure", sample("discipline_measure")),
        ("discipline_report", sample("discipline_report")),
    ]:
        store.land(envelopes(record_type, payload))
    return store


def test_the_profile_shows_what_is_in_force_on_the_date(filed: SupervisionStore) -> None:
    seen = profile(filed, ENTITY, date(2025, 6, 1))
    assert seen.name == "上海闵行示例餐饮有限公司" and seen.registered
    assert seen.deregistered_on is None
    assert [r.status for r in seen.registration] == ["establishment", "change"]
    assert [r.payload["licence_number"] for r in seen.licences_in_force] == ["JY23101120012345"]
    assert [(p.business_key.split("|")[1], p.in_publication) for p in seen.penalties] == [
        ("闵市监案处字〔2024〕第8号", True), ("闵市监案处字〔2024〕第7号", False)]
    assert [r.business_key for r in seen.measures_in_force] == ["LHCJ-2024-0008"]
    assert [r.status for r in seen.discipline_reports] == ["completed"]
    assert len(seen.inspections) == 1 and seen.truncated == []


def test_the_profile_before_and_after_the_records_dates(filed: SupervisionStore) -> None:
    before = profile(filed, ENTITY, date(2013, 1, 1))
    assert not before.registered and before.licences_in_force == [] and before.penalties == []
    assert before.name == "上海闵行示例餐饮有限公司"  # known from the records all the same
    after = profile(filed, ENTITY, date(2030, 6, 1))
    assert after.deregistered_on == date(2030, 1, 31)
    assert after.licences_in_force == [] and after.measures_in_force == []
    assert len(after.penalties) == 2


def test_a_withdrawn_licence_is_no_longer_in_force(
    filed: SupervisionStore, envelopes: Envelopes
) -> None:
    licence = sample("administrative_licence")
    licence["status"] = "2"
    filed.land(envelopes("administrative_licence", licence))
    seen = profile(filed, ENTITY, date(2025, 6, 1))
    assert seen.licences_in_force == []


def test_sections_are_cut_at_the_limit_and_say_so(filed: SupervisionStore) -> None:
    seen = profile(filed, ENTITY, date(2025, 6, 1), limit=1)
    assert [p.business_key.split("|")[1] for p in seen.penalties] == ["闵市监案处字〔2024〕第8号"]
    assert seen.truncated == ["registration", "penalties"]


def test_personal_data_is_shown_as_the_visibility_says(filed: SupervisionStore) -> None:
    masked = profile(filed, ENTITY, date(2025, 6, 1))
    representative = masked.licences_in_force[0].payload["party"]["legal_representative"]
    assert representative != "张三" and "*" in representative
    whole = profile(filed, ENTITY, date(2025, 6, 1), Visibility.WHOLE)
    assert whole.licences_in_force[0].payload["party"]["legal_representative"] == "张三"
    published = profile(filed, ENTITY, date(2025, 6, 1), Visibility.PUBLISHED)
    assert published.licences_in_force[0].payload["party"]["legal_representative"] == "张三"


def test_the_discipline_check_names_the_measures_that_restrict_the_licence(
    filed: SupervisionStore,
) -> None:
    check = discipline_check(filed, ENTITY, "commerce", "政府采购供应商资格", date(2025, 6, 1))
    assert check.restricted
    [measure] = check.measures
    assert (measure.discipline_id, measure.measure) == ("LHCJ-2024-0008", "限制参与政府采购")
    assert measure.legal_basis == "《企业信息公示暂行条例》第十八条"
    assert measure.listing_department == "上海市闵行区市场监督管理局"


@pytest.mark.parametrize(("department", "item", "on"), [
    ("market", "政府采购供应商资格", date(2025, 6, 1)),  # not an enforcing department
    ("commerce", "食品经营许可", date(2025, 6, 1)),  # the measure's field is procurement
    ("commerce", "政府采购供应商资格", date(2027, 6, 2)),  # the listing has ended
    ("commerce", "政府采购供应商资格", date(2024, 5, 31)),  # not yet listed
])
def test_the_discipline_check_says_none_otherwise(
    filed: SupervisionStore, department: str, item: str, on: date
) -> None:
    check = discipline_check(filed, ENTITY, department, item, on)
    assert not check.restricted and check.measures == []


def test_a_measure_without_a_field_restricts_every_item() -> None:
    assert restricts(None, "食品经营许可")
    assert restricts("食品", "食品经营许可") and restricts("食品 经营许可", "食品经营")
    assert not restricts("土地", "食品经营许可")


def test_search_by_name_pages_by_credit_code(filed: SupervisionStore, envelopes: Envelopes
                                             ) -> None:
    alert = sample("supervision_alert")
    alert.update(credit_code="91310000132260250X", entity_name="上海闵行示例物流有限公司")
    filed.land(envelopes("supervision_alert", alert))
    first = search_by_name(filed, "上海闵行示例", limit=1)
    assert [hit.credit_code for hit in first.hits] == ["91310000132260250X"]
    assert first.next_offset == 1
    second = search_by_name(filed, "上海闵行示例", offset=1, limit=1)
    assert [(hit.credit_code, hit.records) for hit in second.hits] == [(ENTITY, 8)]  # every record but the report, which names no entity
    assert second.next_offset is None
    assert search_by_name(filed, "%").hits == [] and search_by_name(filed, "_").hits == []


def test_a_natural_person_is_not_found_by_name(filed: SupervisionStore) -> None:
    assert search_by_name(filed, "李").hits == []


def test_search_by_person_finds_their_records_by_id_number(filed: SupervisionStore) -> None:
    found = search_by_person(filed, " 310112199001011234 ")
    [record] = found.records
    assert record.record_type == "administrative_penalty"
    assert record.payload["party"]["id_number"] != PERSON_ID  # masked by default
    whole = search_by_person(filed, PERSON_ID, Visibility.WHOLE)
    assert whole.records[0].payload["party"]["id_number"] == PERSON_ID
    assert search_by_person(filed, "310112199001011235").records == []
