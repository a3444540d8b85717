"""Routing records through a table: matching, no route back to source, ordering, problems."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from routes import CLAIM, RouteTable

RULES = """
routes:
  - id: penalties-up
    description: penalties go up
    match: {record_type: administrative_penalty}
    to: [city-platform, credit-platform]
  - id: penalties-again
    description: a second route to the same place
    match: {record_type: administrative_penalty}
    to: [credit-platform, market]
  - id: market-only
    description: only from market, only fines
    match:
      record_type: [administrative_penalty, administrative_licence]
      source: [market]
      fields: {penalty_categories: {contains: 罚款}}
    to: [tax]
  - id: echo
    description: allowed to go back to its source
    match: {record_type: inspection_result}
    to: [safety]
    allow_back_to_source: true
"""


@pytest.fixture
def table(
    load: Callable[..., RouteTable], write: Callable[[str, str], Path]
) -> RouteTable:
    return load(write("rules.yaml", RULES))


def test_destinations_are_in_first_match_order_without_duplicates(
    table: RouteTable,
) -> None:
    decision = table.route("administrative_penalty", "environment", {})
    assert decision.destinations == ("city-platform", "credit-platform", "market")
    assert [(m.destination, m.rule) for m in decision.matches] == [
        ("city-platform", "penalties-up"),
        ("credit-platform", "penalties-up"),
        ("credit-platform", "penalties-again"),
        ("market", "penalties-again"),
    ]


def test_source_and_field_predicates_restrict_a_route(table: RouteTable) -> None:
    fine = {"penalty_categories": ["警告", "罚款"]}
    assert "tax" in table.route("administrative_penalty", "market", fine).destinations
    assert (
        "tax" not in table.route("administrative_penalty", "health", fine).destinations
    )
    assert (
        "tax"
        not in table.route(
            "administrative_penalty", "market", {"penalty_categories": ["警告"]}
        ).destinations
    )


def test_a_record_never_routes_back_to_its_source_by_default(table: RouteTable) -> None:
    decision = table.route("administrative_penalty", "market", {})
    assert "market" not in decision.destinations
    assert [(m.destination, m.rule) for m in decision.skipped] == [
        ("market", "penalties-again")
    ]


def test_a_route_may_allow_routing_back_to_the_source(table: RouteTable) -> None:
    assert table.route("inspection_result", "safety", {}).destinations == ("safety",)


def test_no_match_is_a_problem_not_an_error(table: RouteTable) -> None:
    decision = table.route("credit_record", "credit-platform", {})
    assert decision.destinations == ()
    assert [p.code for p in decision.problems] == ["route.no_match"]


def test_no_match_says_when_the_only_destination_was_the_source(
    load: Callable[..., RouteTable], write: Callable[[str, str], Path]
) -> None:
    rules = write(
        "r.yaml",
        "routes: [{id: up, description: d, match: {record_type: credit_record}, to: [city-platform]}]",
    )
    decision = load(rules).route("credit_record", "city-platform", {})
    assert decision.destinations == ()
    assert "source 'city-platform' itself" in decision.problems[0].message


def test_feedback_is_never_routed_even_by_a_rule_that_matches_it(
    load: Callable[..., RouteTable], write: Callable[[str, str], Path]
) -> None:
    rules = write(
        "r.yaml",
        "routes: [{id: fb, description: d, match: {record_type: feedback}, to: [market]}]",
    )
    decision = load(rules).route("feedback", "health", {"status": "rejected"})
    assert decision.destinations == ()
    assert [p.code for p in decision.problems] == ["route.no_match"]


@pytest.mark.parametrize(("record_type", "payload", "code"), [
    ("no_such_type", {}, "route.no_match"),
    ("administrative_penalty", ["not", "an", "object"], "body.not_an_object"),
])  # fmt: skip
def test_bad_input_gives_a_problem_not_a_crash(
    table: RouteTable, record_type: str, payload: Any, code: str
) -> None:
    decision = table.route(record_type, "market", payload)
    assert decision.destinations == () and [p.code for p in decision.problems] == [code]


def test_decision_serialises_to_json(table: RouteTable) -> None:
    data = json.loads(
        json.dumps(table.route("administrative_penalty", "market", {}).to_dict())
    )
    assert data["destinations"] == ["city-platform", "credit-platform"]
    assert data["skipped"][0]["destination"] == "market"


def discipline(*departments: str) -> dict[str, Any]:
    return {
        "discipline_id": "LHCJ-1",
        "listing": {"department": "tax", "list_type": "失信黑名单"},
        "enforcing_departments": list(departments),
    }


def test_discipline_measure_fans_out_and_drops_an_unknown_department(
    shipped: RouteTable,
) -> None:
    decision = shipped.route(
        "discipline_measure",
        "tax",
        discipline("housing", "区城管执法局", "police", "tax"),
    )
    enforcers = [
        m.destination
        for m in decision.matches
        if m.rule == "discipline-measure-to-enforcers"
    ]
    assert enforcers == ["housing", "police"]
    assert "区城管执法局" not in decision.destinations
    assert [(p.code, p.path) for p in decision.problems] == [
        ("route.unknown_destination", "enforcing_departments.1")
    ]
    assert [m.destination for m in decision.skipped] == ["tax"]


def test_discipline_measure_without_enforcing_departments_reports_the_missing_field(
    shipped: RouteTable,
) -> None:
    payload = discipline()
    del payload["enforcing_departments"]
    decision = shipped.route("discipline_measure", "tax", payload)
    assert ("field.missing", "enforcing_departments") in [
        (p.code, p.path) for p in decision.problems
    ]
    assert "city-platform" in decision.destinations


def test_discipline_report_goes_to_credit_and_city_platforms(
    shipped: RouteTable,
) -> None:
    decision = shipped.route(
        "discipline_report",
        "housing",
        {"discipline_id": "LHCJ-1", "enforcing_department": "housing"},
    )
    assert set(decision.destinations) == {"credit-platform", "city-platform", "supervision-db"}


def test_dual_notification_sends_unmatched_items_to_claim_and_matched_to_departments(
    shipped: RouteTable,
) -> None:
    payload = {
        "event": "establishment",
        "business_scope": {"licensed_items": ["排污", "低空飞行服务"]},
    }
    decision = shipped.route("enterprise_registration", "legal-entity-library", payload)
    assert {"environment", CLAIM} <= set(decision.destinations)


@pytest.mark.parametrize("event", ["deregistration", "change"])
def test_dual_notification_skips_deregistration_and_changes_without_scope_change(
    shipped: RouteTable, event: str
) -> None:
    payload = {
        "event": event,
        "business_scope": {"licensed_items": ["排污"]},
        "changes": [{"item": "法定代表人", "before": "甲", "after": "乙"}],
    }
    decision = shipped.route("enterprise_registration", "legal-entity-library", payload)
    assert decision.destinations == ("city-platform", "supervision-db")


def test_every_record_type_but_feedback_goes_up_to_the_city_platform(
    shipped: RouteTable, record_types: tuple[str, ...]
) -> None:
    up = {
        t
        for t in record_types
        if "city-platform" in shipped.route(t, "justice", {}).destinations
    }
    assert up == set(record_types) - {"feedback"}


def test_records_from_the_city_platform_never_go_back_to_it(
    shipped: RouteTable, record_types: tuple[str, ...]
) -> None:
    assert all(
        "city-platform" not in shipped.route(t, "city-platform", {}).destinations
        for t in record_types
    )
