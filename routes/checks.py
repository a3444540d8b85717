"""Checks of a validated rule against the systems catalogue, the record types and resolvers."""

from __future__ import annotations

import difflib
from collections.abc import Collection

from routes.decision import CLAIM
from routes.findings import LintIssue
from routes.loader import SourcedRule
from routes.resolvers import RESOLVERS


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """`` (did you mean 'x'?)`` when a close choice exists, else ``""``."""
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_rule(
    sourced: SourcedRule, *, systems: Collection[str], record_types: Collection[str]
) -> list[LintIssue]:
    """Every unknown record type, source, destination or resolver named by the rule."""
    rule, file = sourced.rule, sourced.file
    issues: list[LintIssue] = []

    def unknown(
        code: str, key: str, what: str, value: str, choices: Collection[str]
    ) -> None:
        hint = did_you_mean(value, choices)
        issues.append(
            LintIssue(code, file, rule.id, key, f"unknown {what} {value!r}{hint}")
        )

    many = isinstance(rule.match.record_type, list)
    for index, record_type in enumerate(rule.match.record_types):
        if record_type not in record_types:
            key = f"match.record_type.{index}" if many else "match.record_type"
            unknown(
                "config.unknown_record_type",
                key,
                "record type",
                record_type,
                record_types,
            )
    many = isinstance(rule.match.source, list)
    for index, source in enumerate(rule.match.sources or ()):
        if source not in systems:
            key = f"match.source.{index}" if many else "match.source"
            unknown("config.unknown_source", key, "source system", source, systems)
    destinations = {*systems, CLAIM}
    for index, target in enumerate(rule.to or ()):
        if target not in destinations:
            unknown(
                "config.unknown_destination",
                f"to.{index}",
                "destination",
                target,
                destinations,
            )
    if rule.resolver is not None and rule.resolver not in RESOLVERS:
        unknown(
            "config.unknown_resolver", "resolver", "resolver", rule.resolver, RESOLVERS
        )
    return issues
