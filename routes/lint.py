"""Lint for route files: everything load checks, plus what only shows when the rules run.

Extra findings (codes in :mod:`routes.findings`): an example that does not route as declared,
a route that can never produce a destination, a route that matches feedback (which the hub
returns to the source itself), and a route that no example shows at work.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from routes.build import CompiledRule, build
from routes.findings import LintIssue
from routes.loader import SourcedExample
from routes.predicates import why_never
from routes.table import FEEDBACK, RouteTable


def lint(
    paths: Sequence[Path] | None = None,
    *,
    systems: Collection[str],
    record_types: Collection[str],
    data_dir: Path | None = None,
) -> list[LintIssue]:
    """All findings for the route files (``None`` = the shipped rules); empty means clean."""
    result = build(paths, systems=systems, record_types=record_types, data_dir=data_dir)
    issues = list(result.issues)
    for compiled in result.rules:
        issues.extend(rule_findings(compiled))
    table = RouteTable(result.rules, record_types)
    for sourced in result.examples:
        issues.extend(
            example_findings(table, sourced, systems=systems, record_types=record_types)
        )
    shown = {
        rule
        for s in result.examples
        for rules in s.example.expect.values()
        for rule in rules
    }
    issues.extend(
        LintIssue(
            "lint.no_example",
            c.file,
            c.rule.id,
            "",
            "no example shows this route producing a destination",
        )
        for c in result.rules
        if c.rule.id not in shown
    )
    return issues


def rule_findings(compiled: CompiledRule) -> list[LintIssue]:
    """Why a compiled rule can never produce a destination, or matches feedback."""
    rule, file = compiled.rule, compiled.file
    issues: list[LintIssue] = []
    if FEEDBACK in rule.match.record_types:
        issues.append(
            LintIssue(
                "lint.matches_feedback",
                file,
                rule.id,
                "match.record_type",
                "feedback is returned to its source by the hub; rules never route it",
            )
        )
    for path, predicate in rule.match.fields.items():
        reason = why_never(predicate)
        if reason is not None:
            issues.append(
                LintIssue(
                    "lint.never_matches", file, rule.id, f"match.fields.{path}", reason
                )
            )
    sources = rule.match.sources
    # With one source and every static destination equal to it, the no-route-back rule drops all.
    static_to = set(rule.to or ())
    if (
        sources is not None
        and len(sources) == 1
        and static_to == set(sources)
        and not rule.allow_back_to_source
    ):
        issues.append(
            LintIssue(
                "lint.never_matches",
                file,
                rule.id,
                "to",
                "the only destination is the only source, and records never route back to their source",
            )
        )
    return issues


def example_findings(
    table: RouteTable,
    sourced: SourcedExample,
    *,
    systems: Collection[str],
    record_types: Collection[str],
) -> list[LintIssue]:
    """A ``lint.example_failed`` finding when the example does not route as declared."""
    example = sourced.example
    key = f"examples.{sourced.index}"

    def failed(message: str) -> list[LintIssue]:
        return [
            LintIssue(
                "lint.example_failed",
                sourced.file,
                None,
                key,
                f"example {example.name!r}: {message}",
            )
        ]

    if example.record_type not in record_types:
        return failed(f"unknown record type {example.record_type!r}")
    if example.source not in systems:
        return failed(f"unknown source system {example.source!r}")
    decision = table.route(example.record_type, example.source, example.payload)
    actual: dict[str, set[str]] = {}
    for match in decision.matches:
        actual.setdefault(match.destination, set()).add(match.rule)
    expected = {
        destination: set(rules) for destination, rules in example.expect.items()
    }
    messages = []
    if actual != expected:
        messages.append(f"expected destinations {_show(expected)}, got {_show(actual)}")
    actual_codes = sorted({problem.code for problem in decision.problems})
    if actual_codes != sorted(set(example.problems)):
        messages.append(
            f"expected problems {sorted(set(example.problems))}, got {actual_codes}"
        )
    return failed("; ".join(messages)) if messages else []


def _show(destinations: dict[str, set[str]]) -> str:
    return (
        "{"
        + ", ".join(f"{d}: {sorted(r)}" for d, r in sorted(destinations.items()))
        + "}"
    )
