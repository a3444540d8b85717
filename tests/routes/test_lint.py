"""Lint findings: load problems, failing examples, dead routes, feedback routes, missing examples."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from routes import LintIssue, lint

Write = Callable[[str, str], Path]


@pytest.fixture
def run(
    systems: frozenset[str], record_types: tuple[str, ...]
) -> Callable[[Path], list[LintIssue]]:
    def _run(path: Path) -> list[LintIssue]:
        return lint([path], systems=systems, record_types=record_types)

    return _run


ROUTE = """
routes:
  - id: up
    description: penalties go up
    match: {record_type: administrative_penalty}
    to: [city-platform]
"""


def codes(issues: list[LintIssue]) -> list[tuple[str, str | None]]:
    return [(issue.code, issue.route) for issue in issues]


def test_a_route_with_a_holding_example_is_clean(
    run: Callable[[Path], list[LintIssue]], write: Write
) -> None:
    text = (
        ROUTE
        + "examples: [{name: e, record_type: administrative_penalty, source: tax, payload: {}, expect: {city-platform: [up]}}]"
    )
    assert run(write("ok.yaml", text)) == []


def test_a_route_without_an_example_is_flagged(
    run: Callable[[Path], list[LintIssue]], write: Write
) -> None:
    assert codes(run(write("r.yaml", ROUTE))) == [("lint.no_example", "up")]


@pytest.mark.parametrize(
    ("example", "says"),
    [
        ("{name: e, record_type: administrative_penalty, source: tax, payload: {}, expect: {credit-platform: [up]}}",
         "expected destinations {credit-platform: ['up']}, got {city-platform: ['up']}"),
        ("{name: e, record_type: administrative_penalty, source: tax, payload: {}, expect: {city-platform: [up]}, problems: [route.no_match]}",
         "expected problems ['route.no_match'], got []"),
        ("{name: e, record_type: penalty, source: tax, payload: {}, expect: {city-platform: [up]}}",
         "unknown record type 'penalty'"),
        ("{name: e, record_type: administrative_penalty, source: taxes, payload: {}, expect: {city-platform: [up]}}",
         "unknown source system 'taxes'"),
    ],
)  # fmt: skip
def test_an_example_that_does_not_hold_is_flagged(
    run: Callable[[Path], list[LintIssue]], write: Write, example: str, says: str
) -> None:
    path = write("r.yaml", ROUTE + f"examples: [{example}]")
    failed = [i for i in run(path) if i.code == "lint.example_failed"]
    assert (
        len(failed) == 1 and failed[0].key == "examples.0" and says in failed[0].message
    )


@pytest.mark.parametrize(
    ("match", "key"),
    [
        ("{record_type: enterprise_registration, fields: {event: {in: []}}}", "match.fields.event"),
        ("{record_type: enterprise_registration, fields: {event: {equals: change, in: [establishment]}}}",
         "match.fields.event"),
        ("{record_type: enterprise_registration, fields: {name: {exists: false, prefix: 上海}}}", "match.fields.name"),
        ("{record_type: enterprise_registration, source: market}", "to"),
    ],
)  # fmt: skip
def test_a_route_that_can_never_match_is_flagged(
    run: Callable[[Path], list[LintIssue]], write: Write, match: str, key: str
) -> None:
    path = write(
        "r.yaml",
        f"routes: [{{id: dead, description: d, match: {match}, to: [market]}}]",
    )
    never = [i for i in run(path) if i.code == "lint.never_matches"]
    assert [(i.route, i.key) for i in never] == [("dead", key)]


def test_routing_back_allowed_is_not_a_dead_route(
    run: Callable[[Path], list[LintIssue]], write: Write
) -> None:
    path = write(
        "r.yaml",
        "routes: [{id: echo, description: d, match: {record_type: credit_record, source: market}, "
        "to: [market], allow_back_to_source: true}]",
    )
    assert "lint.never_matches" not in {i.code for i in run(path)}


def test_a_route_matching_feedback_is_flagged(
    run: Callable[[Path], list[LintIssue]], write: Write
) -> None:
    path = write(
        "r.yaml",
        "routes: [{id: fb, description: d, match: {record_type: [feedback, credit_record]}, to: [market]}]",
    )
    flagged = [i for i in run(path) if i.code == "lint.matches_feedback"]
    assert [(i.route, i.key) for i in flagged] == [("fb", "match.record_type")]


def test_lint_reports_load_errors_instead_of_raising(
    run: Callable[[Path], list[LintIssue]], write: Write
) -> None:
    path = write(
        "r.yaml",
        "routes: [{id: x, description: d, match: {record_type: credit_record}, to: [nowhere]}]",
    )
    assert codes(run(path)) == [("config.unknown_destination", "x")]


def test_lint_issues_are_plain_data_with_a_readable_form(
    run: Callable[[Path], list[LintIssue]], write: Write
) -> None:
    path = write("r.yaml", ROUTE)
    (issue,) = run(path)
    assert (
        str(issue)
        == f"{path}: route 'up': no example shows this route producing a destination [lint.no_example]"
    )
