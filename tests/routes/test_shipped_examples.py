"""The examples in the shipped route files hold, run as data, and the shipped files lint clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from routes import RouteTable, lint
from routes.loader import SHIPPED_RULES


def _shipped_examples() -> list[Any]:
    cases = []
    for path in sorted(SHIPPED_RULES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for example in data.get("examples", []):
            cases.append(pytest.param(example, id=f"{path.stem}: {example['name']}"))
    return cases


EXAMPLES = _shipped_examples()


def test_every_shipped_route_file_has_examples() -> None:
    files = sorted(SHIPPED_RULES.glob("*.yaml"))
    without = [
        p.name
        for p in files
        if not yaml.safe_load(p.read_text(encoding="utf-8")).get("examples")
    ]
    assert files and without == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_shipped_example_routes_as_declared(
    shipped: RouteTable, example: dict[str, Any]
) -> None:
    decision = shipped.route(
        example["record_type"], example["source"], example["payload"]
    )
    got: dict[str, set[str]] = {}
    for match in decision.matches:
        got.setdefault(match.destination, set()).add(match.rule)
    assert got == {dest: set(rules) for dest, rules in example["expect"].items()}
    assert sorted({p.code for p in decision.problems}) == sorted(
        example.get("problems", [])
    )
    assert set(decision.destinations) == set(example["expect"])


def test_shipped_rules_lint_clean(
    systems: frozenset[str], record_types: tuple[str, ...]
) -> None:
    assert lint(systems=systems, record_types=record_types) == []


def test_every_shipped_rule_appears_in_an_example(shipped: RouteTable) -> None:
    shown = {
        rule
        for case in EXAMPLES
        for rules in case.values[0]["expect"].values()
        for rule in rules
    }
    assert set(shipped.rule_ids) <= shown


def test_shipped_data_files_name_only_known_systems(systems: frozenset[str]) -> None:
    data = Path(SHIPPED_RULES).with_name("data")
    approvals = yaml.safe_load(
        (data / "post_registration_approvals.yaml").read_text(encoding="utf-8")
    )
    subscriptions = yaml.safe_load(
        (data / "credit_subscriptions.yaml").read_text(encoding="utf-8")
    )
    named = {d for a in approvals["approvals"] for d in a["departments"]}
    named |= {s["system"] for s in subscriptions["subscribers"]}
    assert named - systems == set()
