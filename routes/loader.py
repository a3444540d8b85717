"""Reading route files: YAML, the pydantic model, and ids unique across files.

The loader collects every finding instead of stopping at the first, so an operator fixes a
broken configuration in one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from routes.findings import LintIssue
from routes.model import Example, RouteFile, Rule
from routes.yamlio import FileProblem, read_yaml, validation_issues

#: The route files shipped with the package.
SHIPPED_RULES = Path(__file__).with_name("rules")
#: The data files (approval list, subscriptions) shipped with the package.
SHIPPED_DATA = Path(__file__).with_name("data")


@dataclass(frozen=True)
class SourcedRule:
    """A validated rule and the file it came from."""

    rule: Rule
    file: str


@dataclass(frozen=True)
class SourcedExample:
    """A validated example, the file it came from and its index there."""

    example: Example
    file: str
    index: int


@dataclass
class ParsedFiles:
    """Everything read from the route files, plus the findings."""

    rules: list[SourcedRule] = field(default_factory=list)
    examples: list[SourcedExample] = field(default_factory=list)
    issues: list[LintIssue] = field(default_factory=list)


def expand(paths: Sequence[Path] | None) -> list[Path]:
    """Route files to read: a directory stands for its ``*.yaml`` files; ``None`` = shipped."""
    if paths is None:
        paths = [SHIPPED_RULES]
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


def _locator(raw: dict[str, Any]) -> Any:
    """Map a pydantic location to (route id, rest) using the raw data to name the route."""

    def locate(loc: tuple[int | str, ...]) -> tuple[str | None, tuple[int | str, ...]]:
        if len(loc) >= 2 and loc[0] == "routes" and isinstance(loc[1], int):
            routes = raw.get("routes")
            entry = (
                routes[loc[1]]
                if isinstance(routes, list) and loc[1] < len(routes)
                else None
            )
            route_id = entry.get("id") if isinstance(entry, dict) else None
            return (
                str(route_id) if route_id is not None else f"#{loc[1] + 1}",
                loc[2:],
            )
        return None, loc

    return locate


def parse_files(paths: Sequence[Path] | None) -> ParsedFiles:
    """Read and validate the route files; a bad file contributes findings, not rules."""
    parsed = ParsedFiles()
    files = expand(paths)
    if not files:
        where = ", ".join(str(p) for p in paths or [])
        parsed.issues.append(
            LintIssue("config.file", where, None, "", "no route files found")
        )
    first_file: dict[str, str] = {}
    for path in files:
        try:
            raw = read_yaml(path)
        except FileProblem as e:
            parsed.issues.extend(e.issues)
            continue
        try:
            route_file = RouteFile.model_validate(raw)
        except ValidationError as e:
            parsed.issues.extend(validation_issues(path, e, _locator(raw)))
            continue
        for rule in route_file.routes:
            if rule.id in first_file:
                parsed.issues.append(
                    LintIssue(
                        "config.duplicate_id",
                        str(path),
                        rule.id,
                        "id",
                        f"route id already used in {first_file[rule.id]}",
                    )
                )
                continue
            first_file[rule.id] = str(path)
            parsed.rules.append(SourcedRule(rule, str(path)))
        parsed.examples.extend(
            SourcedExample(example, str(path), index)
            for index, example in enumerate(route_file.examples)
        )
    return parsed
