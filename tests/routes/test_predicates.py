"""Predicates on dotted payload paths, and the detection of predicates that can never hold."""

from __future__ import annotations

from typing import Any

import pytest

from routes.model import Predicate
from routes.predicates import MISSING, fields_hold, holds, lookup, why_never

PAYLOAD: dict[str, Any] = {
    "event": "change",
    "business_scope": {"licensed_items": ["食品经营"], "general_items": []},
    "changes": [{"item": "住所"}, {"item": "经营范围"}],
    "credit_code": "91310112087994932F",
    "count": 1,
    "memo": "  ",
}


def p(**kwargs: Any) -> Predicate:
    return Predicate.model_validate(kwargs)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("event", "change"),
        ("business_scope.licensed_items", ["食品经营"]),
        ("changes.1.item", "经营范围"),
        ("changes.5.item", MISSING),
        ("business_scope.nothing", MISSING),
        ("event.deeper", MISSING),
    ],
)
def test_lookup_follows_dotted_paths_and_list_indexes(path: str, expected: Any) -> None:
    assert lookup(PAYLOAD, path) == expected


@pytest.mark.parametrize(
    ("path", "predicate", "expected"),
    [
        ("event", p(equals="change"), True),
        ("event", p(equals="establishment"), False),
        ("count", p(equals=True), False),  # type-strict: True is not 1
        ("count", p(equals="1"), False),
        ("event", p(**{"in": ["change", "establishment"]}), True),
        ("event", p(**{"in": ["deregistration"]}), False),
        ("credit_code", p(prefix="9131"), True),
        ("credit_code", p(prefix="92"), False),
        ("count", p(prefix="1"), False),
        ("business_scope.licensed_items", p(exists=True), True),
        ("business_scope.general_items", p(exists=True), False),
        ("memo", p(exists=True), False),
        ("absent", p(exists=False), True),
        ("business_scope.licensed_items", p(contains="食品经营"), True),
        ("business_scope.licensed_items", p(contains="排污"), False),
        ("changes", p(any_item={"item": {"equals": "经营范围"}}), True),
        ("changes", p(any_item={"item": {"equals": "名称"}}), False),
        ("event", p(any_item={"item": {"equals": "change"}}), False),
    ],
)
def test_predicate_holds_only_for_matching_values(
    path: str, predicate: Predicate, expected: bool
) -> None:
    assert holds(predicate, lookup(PAYLOAD, path)) is expected


def test_all_field_predicates_must_hold() -> None:
    both = {"event": p(equals="change"), "credit_code": p(prefix="9131")}
    one_wrong = {"event": p(equals="change"), "credit_code": p(prefix="92")}
    assert fields_hold(both, PAYLOAD) and not fields_hold(one_wrong, PAYLOAD)


def test_a_predicate_without_conditions_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least one of"):
        Predicate.model_validate({})


@pytest.mark.parametrize(
    ("predicate", "reason"),
    [
        (p(**{"in": []}), "empty list"),
        (p(equals="a", **{"in": ["b"]}), "not among"),
        (p(exists=False, equals="a"), "contradicts"),
        (p(equals="abc", prefix="x"), "does not start with"),
        (p(prefix="x", **{"in": ["abc"]}), "no value of 'in'"),
        (p(contains="a", equals="a"), "needs a list"),
        (p(any_item={"item": {"in": []}}), "any_item.item"),
    ],
)
def test_why_never_explains_contradictions(predicate: Predicate, reason: str) -> None:
    assert reason in (why_never(predicate) or "")


@pytest.mark.parametrize(
    "predicate",
    [
        p(equals="a", **{"in": ["a", "b"]}),
        p(prefix="ab", equals="abc"),
        p(exists=True, prefix="x"),
    ],
)
def test_why_never_accepts_satisfiable_predicates(predicate: Predicate) -> None:
    assert why_never(predicate) is None
