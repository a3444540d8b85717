"""Turning route files into compiled rules: parse, check, then build each rule's resolver."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from routes.checks import check_rule
from routes.findings import LintIssue
from routes.loader import SHIPPED_DATA, SourcedExample, parse_files
from routes.model import Rule
from routes.resolvers import (
    Resolver,
    ResolverContext,
    ResolverOptionError,
    build_resolver,
)
from routes.yamlio import FileProblem


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to route: the rule, its file and its resolver."""

    rule: Rule
    file: str
    resolver: Resolver


@dataclass
class Build:
    """The compiled rules, the examples and every ``config.*`` finding."""

    rules: list[CompiledRule] = field(default_factory=list)
    examples: list[SourcedExample] = field(default_factory=list)
    issues: list[LintIssue] = field(default_factory=list)


def build(
    paths: Sequence[Path] | None,
    *,
    systems: Collection[str],
    record_types: Collection[str],
    data_dir: Path | None = None,
) -> Build:
    """Parse and check the route files; rules with findings are left out of ``rules``."""
    parsed = parse_files(paths)
    result = Build(examples=parsed.examples, issues=list(parsed.issues))
    context = ResolverContext(frozenset(systems), data_dir or SHIPPED_DATA)
    for sourced in parsed.rules:
        issues = check_rule(sourced, systems=systems, record_types=record_types)
        if not issues:
            try:
                resolver = build_resolver(sourced.rule, context)
            except ResolverOptionError as e:
                issues = [
                    LintIssue(
                        "config.resolver",
                        sourced.file,
                        sourced.rule.id,
                        e.key,
                        e.message,
                    )
                ]
            except FileProblem as e:
                # The data file is at fault; say which route needed it.
                issues = [
                    LintIssue(
                        "config.data",
                        i.file,
                        i.route,
                        i.key,
                        f"{i.message} (needed by route {sourced.rule.id!r})",
                    )
                    for i in e.issues
                ]
            else:
                result.rules.append(CompiledRule(sourced.rule, sourced.file, resolver))
        result.issues.extend(issue for issue in issues if issue not in result.issues)
    return result
