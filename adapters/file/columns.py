"""Column maps: which unified field each header of a CSV or xlsx batch fills.

A department's batch has its own headers (``统一社会信用代码``, ``许可决定日期``); the map names the
unified field for each, with dotted paths for nested fields (``party.credit_code``). In YAML::

    columns:
      行政相对人名称: party.name
      统一社会信用代码: party.credit_code
      处罚类别: {field: penalty_categories, split: ";"}
    ignore: [内部序号]          # columns the department keeps for itself, dropped on purpose
    unmapped: error            # or as-is: a header not in the map is itself the field path

Without a map every header is taken as a field path as it is. Contract of a row's record:
- an empty or whitespace-only cell leaves its field out (absent, as in the XML form);
- a value is kept exactly as written (trimming is the schema layer's logged repair);
- ``split`` turns a cell into a list: items are cut at the separator and trimmed, empty items
  dropped.
Header problems (a duplicate header, two headers filling one field, a header neither mapped nor
ignored when ``unmapped`` is ``error``) make the whole file unusable: guessing would file data
under the wrong field for every row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from adapters.file.file_rows import FileUnusable
from schemas.contract.errors import ConfigError

_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ColumnRule(BaseModel):
    """A column with options beyond its field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(description="Unified field path the column fills (dotted for nesting).")
    split: str | None = Field(
        default=None, min_length=1,
        description="Separator that turns the cell into a list (e.g. ';' for penalty categories).",
    )


class ColumnMap(BaseModel):
    """Header -> unified field for one department's batch layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    columns: dict[str, str | ColumnRule] = Field(
        default_factory=dict,
        description="Header as written in the file -> field path, or {field, split}.",
    )
    ignore: list[str] = Field(
        default_factory=list, description="Headers whose columns are dropped on purpose."
    )
    unmapped: Literal["error", "as-is"] = Field(
        default="error",
        description="A header neither mapped nor ignored: 'error' refuses the file, 'as-is' "
        "takes the header itself as the field path.",
    )

    @model_validator(mode="after")
    def _paths(self) -> ColumnMap:
        fields = [self.rule(h).field for h in self.columns]
        for path in fields:
            if not _FIELD_PATH.match(path):
                raise ValueError(f"{path!r} is not a field path (names joined by dots)")
        for path in fields:
            for other in fields:
                if other.startswith(path + "."):
                    raise ValueError(f"field {path!r} cannot also hold {other!r}")
        return self

    @classmethod
    def identity(cls) -> ColumnMap:
        """The map used when none is given: every header is its own field path."""
        return cls(unmapped="as-is")

    @classmethod
    def load(cls, path: Path) -> ColumnMap:
        """Read a map from YAML; :class:`ConfigError` naming the file and the problem."""
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        except (OSError, yaml.YAMLError, ValidationError) as e:
            raise ConfigError(f"{path}: not a usable column map: {e}") from e

    def rule(self, header: str) -> ColumnRule:
        target = self.columns[header]
        return target if isinstance(target, ColumnRule) else ColumnRule(field=target)

    def plan(self, header: Sequence[str]) -> Layout:
        """The layout of a file with this ``header``; :class:`FileUnusable` if it cannot be used."""
        names = list(header)
        while names and not names[-1]:
            names.pop()  # trailing empty header cells: a trailing delimiter or Excel's blank columns
        seen: dict[str, int] = {}
        columns: list[ColumnRule | None] = []
        for index, name in enumerate(names, start=1):
            if not name:
                raise FileUnusable("adapter.row_invalid", f"header column {index} has no name")
            if name in seen:
                raise FileUnusable(
                    "adapter.row_invalid", f"header {name!r} appears twice (columns {seen[name]} "
                    f"and {index})")
            seen[name] = index
            columns.append(self._column(name))
        targets: dict[str, str] = {}
        for name, rule in zip(names, columns, strict=True):
            if rule is None:
                continue
            if rule.field in targets:
                raise FileUnusable(
                    "adapter.row_invalid",
                    f"headers {targets[rule.field]!r} and {name!r} both fill {rule.field}")
            targets[rule.field] = name
        for path, name in targets.items():
            for other, other_name in targets.items():
                if other.startswith(path + "."):
                    raise FileUnusable(
                        "adapter.row_invalid",
                        f"header {name!r} fills {path}, which {other_name!r} nests into")
        return Layout(tuple(names), tuple(columns))

    def _column(self, name: str) -> ColumnRule | None:
        if name in self.columns:
            return self.rule(name)
        if name in self.ignore:
            return None
        if self.unmapped == "as-is" and _FIELD_PATH.match(name):
            return ColumnRule(field=name)
        if self.unmapped == "as-is":
            raise FileUnusable(
                "adapter.row_invalid", f"header {name!r} is not a field path and not in the map")
        raise FileUnusable(
            "adapter.row_invalid", f"header {name!r} is not in the column map (map it, or list "
            "it under 'ignore')")


@dataclass(frozen=True)
class Layout:
    """A file's header and, per column, the rule filling a field (None: ignored column)."""

    headers: tuple[str, ...]
    columns: tuple[ColumnRule | None, ...]

    @property
    def width(self) -> int:
        return len(self.headers)

    def field_of(self, index: int) -> str:
        """The field column ``index`` (from 0) fills, or its header when ignored."""
        rule = self.columns[index]
        return rule.field if rule is not None else self.headers[index]

    def record(self, cells: Sequence[str]) -> dict[str, Any]:
        """The record a row's cells (as text, one per header) make; see the module contract."""
        record: dict[str, Any] = {}
        for rule, cell in zip(self.columns, cells, strict=False):
            if rule is None or not cell.strip():
                continue
            value: Any = cell
            if rule.split is not None:
                value = [item.strip() for item in cell.split(rule.split) if item.strip()]
            _put(record, rule.field, value)
        return record


def _put(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = record
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = value
