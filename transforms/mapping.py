"""The declared shape of a source mapping file, ``transforms/sources/<system-id>.yaml``.

A source mapping says how one system's records become unified records: for which record types,
in which layout (JSON, or XML with an optional XSLT stylesheet), which source keys become which
unified fields, which code tables translate its codes, which values are lists written as one
separated string, and which constants the source never sends. Mappings are data so that a
corrected fact (a code, a column name) is a one-line change; the models reject unknown keys and
inconsistent declarations when the hub starts, naming the file and the key.

Paths: *source paths* are the source's keys, dotted for nested JSON objects (``jbxx.mc``); *unified
paths* are dotted unified field paths without list indices (``party.name``, ``penalty_categories``).
The order in which the mapping is applied is documented in `transforms.apply_mapping`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.record_types import RECORD_TYPES

# The record types of the unified standard, from the one list in schemas.
RecordType = Literal[RECORD_TYPES]  # type: ignore[valid-type]

_UNIFIED_PATH = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_STYLESHEET_NAME = re.compile(r"[A-Za-z0-9_-]+\.xsl")


def _check_unified(path: str) -> str:
    if not _UNIFIED_PATH.fullmatch(path):
        raise ValueError(f"{path!r} is not a unified field path (snake_case, dotted)")
    return path


def _check_source(path: str) -> str:
    if not path or any(not part.strip() for part in path.split(".")):
        raise ValueError(
            f"{path!r} is not a source path (non-empty keys joined by dots)"
        )
    return path


class Rejection(BaseModel):
    """A source code that cannot be translated without guessing; the message says why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reject: str = Field(
        min_length=1,
        description="Why the code is refused; sent back to the source with mapping.ambiguous_code.",
    )


CodeValue = str | list[str] | Rejection


class RecordMapping(BaseModel):
    """How one source's records of the listed types become unified records."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record_types: list[RecordType] = Field(
        min_length=1, description="Record types this mapping applies to."
    )
    layout: Literal["json", "xml"] = Field(
        description="The body format the source sends; the other format is refused."
    )
    xslt: str | None = Field(
        default=None,
        description="Stylesheet in transforms/xslt/ turning the source's XML into the unified "
        "XML form (layout xml only).",
        examples=["health-licence.xsl"],
    )
    refuse: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Source path -> {source value: why}: records carrying one of these values "
        "are refused (mapping.refused_code), e.g. an old-template status meaning 'revoked' "
        "for a record type that has no status field.",
    )
    renames: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Source path -> unified path (or several, to feed more than one field).",
        examples=[{"行政相对人代码_2": "party.organisation_code"}],
    )
    drop: list[str] = Field(
        default_factory=list,
        description="Source paths that carry nothing the unified form keeps (removed).",
    )
    split: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Unified path -> separator(s): the field is a list sent as one string; "
        "several renames may feed it.",
        examples=[{"penalty_categories": [",", "，", "、"]}],
    )
    code_tables: dict[str, dict[str, CodeValue]] = Field(
        default_factory=dict,
        description="Unified path -> {source code: unified value}. A list value expands one "
        "code into several list items; {reject: why} refuses the code.",
    )
    constants: dict[str, str] = Field(
        default_factory=dict,
        description="Unified path -> value the source never sends but every record has.",
    )
    implied: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Unified path -> {unified path: value} set whenever the first field is present.",
        examples=[{"party.id_number": {"party.id_type": "身份证"}}],
    )

    @field_validator("code_tables", "refuse", mode="before")
    @classmethod
    def _codes_are_text(cls, tables: Any) -> Any:
        # YAML reads an unquoted code such as 0 as an int; codes are compared as text.
        if isinstance(tables, dict):
            return {
                path: {str(code): value for code, value in table.items()}
                if isinstance(table, dict)
                else table
                for path, table in tables.items()
            }
        return tables

    @field_validator("renames")
    @classmethod
    def _rename_paths(
        cls, renames: dict[str, str | list[str]]
    ) -> dict[str, str | list[str]]:
        for source, targets in renames.items():
            _check_source(source)
            for target in [targets] if isinstance(targets, str) else targets:
                _check_unified(target)
        return renames

    @field_validator("drop")
    @classmethod
    def _drop_paths(cls, paths: list[str]) -> list[str]:
        return [_check_source(path) for path in paths]

    @field_validator("refuse")
    @classmethod
    def _refuse_paths(
        cls, refuse: dict[str, dict[str, str]]
    ) -> dict[str, dict[str, str]]:
        for path in refuse:
            _check_source(path)
        return refuse

    @field_validator("split", "code_tables", "constants", "implied")
    @classmethod
    def _unified_keys(cls, table: dict[str, Any]) -> dict[str, Any]:
        for path in table:
            _check_unified(path)
        return table

    @field_validator("implied")
    @classmethod
    def _implied_targets(
        cls, implied: dict[str, dict[str, str]]
    ) -> dict[str, dict[str, str]]:
        for targets in implied.values():
            for target in targets:
                _check_unified(target)
        return implied

    @field_validator("split")
    @classmethod
    def _separators(
        cls, split: dict[str, str | list[str]]
    ) -> dict[str, str | list[str]]:
        for path, separators in split.items():
            for separator in (
                [separators] if isinstance(separators, str) else separators
            ):
                if not separator:
                    raise ValueError(f"{path}: an empty separator")
        return split

    @model_validator(mode="after")
    def _consistent(self) -> RecordMapping:
        if self.xslt is not None:
            if self.layout != "xml":
                raise ValueError("xslt: a stylesheet needs layout xml")
            if not _STYLESHEET_NAME.fullmatch(self.xslt):
                raise ValueError(
                    f"xslt: {self.xslt!r} must be a file name ending .xsl, no folders"
                )
        fed: dict[str, int] = {}
        for targets in self.renames.values():
            for target in [targets] if isinstance(targets, str) else targets:
                fed[target] = fed.get(target, 0) + 1
        for target, count in fed.items():
            if count > 1 and target not in self.split:
                raise ValueError(
                    f"renames: {count} source keys feed {target}; declare it in split"
                )
            if target in self.constants:
                raise ValueError(f"constants: {target} is also a rename target")
        for path, table in self.code_tables.items():
            for code, value in table.items():
                if isinstance(value, list) and path not in self.split:
                    raise ValueError(
                        f"code_tables.{path}.{code}: a list value needs {path} declared in split"
                    )
        return self


class SourceMappingFile(BaseModel):
    """One file in transforms/sources/: every mapping of one system."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(
        description="The system id (schemas/data/systems.yaml); must equal the file name."
    )
    description: str = Field(
        min_length=1, description="What the source sends, in one sentence."
    )
    mappings: list[RecordMapping] = Field(
        min_length=1, description="One entry per layout."
    )

    @model_validator(mode="after")
    def _one_mapping_per_record_type(self) -> SourceMappingFile:
        seen: set[str] = set()
        for index, mapping in enumerate(self.mappings):
            for record_type in mapping.record_types:
                if record_type in seen:
                    raise ValueError(f"mappings.{index}: {record_type} is mapped twice")
                seen.add(record_type)
        return self
