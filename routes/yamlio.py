"""Reading the YAML files of this package and turning validation errors into findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from routes.findings import LintIssue
from schemas.contract.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# Loc entries pydantic adds for union members and validators; they are noise in a key path.
_TYPE_TAGS = (
    "str",
    "int",
    "float",
    "bool",
    "list[",
    "dict[",
    "function-",
    "tagged-union[",
)


class FileProblem(ConfigError):
    """A file cannot be used; ``issues`` says why (raised by :func:`read_model`).

    A :class:`ConfigError`: route and data files are configuration. The route loader turns it
    into ``config.*`` findings, so one run reports every bad file.
    """

    def __init__(self, issues: list[LintIssue]) -> None:
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def read_yaml(path: Path) -> Any:
    """Parse ``path`` as YAML; raise :class:`FileProblem` if it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise FileProblem(
            [LintIssue("config.file", str(path), None, "", f"cannot read file: {e}")]
        ) from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise FileProblem(
            [LintIssue("config.yaml", str(path), None, "", f"not valid YAML: {e}")]
        ) from e
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise FileProblem(
            [
                LintIssue(
                    "config.yaml",
                    str(path),
                    None,
                    "",
                    f"expected a mapping at the top level, got {kind}",
                )
            ]
        )
    return data


def key_of(loc: tuple[int | str, ...]) -> str:
    """Dotted key of a pydantic error location, without union and validator tags."""
    return ".".join(
        str(part)
        for part in loc
        if not (isinstance(part, str) and part.startswith(_TYPE_TAGS))
    )


def validation_issues(
    path: Path,
    error: ValidationError,
    locate: Callable[[tuple[int | str, ...]], tuple[str | None, tuple[int | str, ...]]]
    | None = None,
) -> list[LintIssue]:
    """One ``config.invalid`` finding per distinct (route, key) of a pydantic error.

    ``locate`` splits a location into (route id, rest), so messages can name the route.
    """
    issues: list[LintIssue] = []
    seen: set[tuple[str | None, str]] = set()
    for detail in error.errors():
        route, rest = locate(detail["loc"]) if locate else (None, detail["loc"])
        key = key_of(rest)
        if (route, key) in seen:
            continue
        seen.add((route, key))
        issues.append(LintIssue("config.invalid", str(path), route, key, detail["msg"]))
    return issues


def read_model(path: Path, model: type[M]) -> M:
    """Read and validate a data file; raise :class:`FileProblem` naming the file and key."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise FileProblem([issue_as_data(i) for i in validation_issues(path, e)]) from e


def issue_as_data(issue: LintIssue) -> LintIssue:
    """Re-label a finding about a data file (they stop loading like route-file errors do)."""
    return LintIssue("config.data", issue.file, issue.route, issue.key, issue.message)
