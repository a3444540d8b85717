"""Which values of a record are personal data, read from the marks on the standard's fields.

:func:`personal_fields` lists a model's marked fields once (cached); :func:`personal_values`
finds the values in one payload, with their concrete paths (list positions included), where
each field's condition holds. A payload is the record as JSON (a dict), valid or not: a path
that is missing or holds no text is skipped, so a malformed record is never an error here.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from schemas.record_registry import model_for
from schemas.record_types import SCHEMA_VERSION
from schemas.types.personal_marks import PERSONAL, PERSONAL_WHEN, PersonalKind

#: A place in a payload: keys and list positions, outermost first.
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class PersonalField:
    """A marked field: where it sits, what it holds, and when it is personal."""

    path: tuple[str, ...]
    kind: PersonalKind
    #: Sibling field -> value it must have (empty: always personal).
    when: Mapping[str, str]
    #: Segments of ``path`` (by position) that hold a list, each element then in turn.
    lists: frozenset[int]

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class PersonalValue:
    """One personal value found in a payload."""

    path: Path
    kind: PersonalKind
    value: str

    @property
    def dotted(self) -> str:
        return ".".join(str(part) for part in self.path)


def _models_in(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model an annotation holds (if any) and whether it holds a list."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                return _models_in(arg)
    if origin is list:
        (item,) = typing.get_args(annotation)
        model, _ = _models_in(item)
        return model, True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


@cache
def personal_fields(model: type[BaseModel]) -> tuple[PersonalField, ...]:
    """Every marked field of ``model`` and of the blocks it holds, depth first."""
    found: list[PersonalField] = []
    for name, info in model.model_fields.items():
        block, is_list = _models_in(info.annotation)
        lists = frozenset({0}) if is_list else frozenset()
        extra = info.json_schema_extra
        if isinstance(extra, dict) and PERSONAL in extra:
            when = extra.get(PERSONAL_WHEN) or {}
            assert isinstance(when, dict)
            found.append(
                PersonalField((name,), PersonalKind(str(extra[PERSONAL])),
                              {str(k): str(v) for k, v in when.items()}, lists)
            )
        if block is not None:
            for inner in personal_fields(block):
                found.append(
                    PersonalField(
                        (name, *inner.path), inner.kind, inner.when,
                        lists | {i + 1 for i in inner.lists},
                    )
                )
    return tuple(found)


def fields_for(record_type: str, version: str = SCHEMA_VERSION) -> tuple[PersonalField, ...]:
    """The marked fields of a record type; raises ``LookupError`` for an unknown one."""
    return personal_fields(model_for(record_type, version))


def personal_values(
    record_type: str, payload: Mapping[str, Any], version: str = SCHEMA_VERSION
) -> list[PersonalValue]:
    """The personal values in ``payload``; raises ``LookupError`` for an unknown record type."""
    values: list[PersonalValue] = []
    for field in fields_for(record_type, version):
        for path, parent in _walk(payload, field, 0, ()):
            value = parent.get(field.path[-1])
            if isinstance(value, str) and value and _condition_holds(parent, field.when):
                values.append(PersonalValue(path, field.kind, value))
            elif isinstance(value, list) and len(field.path) - 1 in field.lists:
                for index, item in enumerate(value):
                    if isinstance(item, str) and item and _condition_holds(parent, field.when):
                        values.append(PersonalValue((*path, index), field.kind, item))
    return values


def _walk(
    node: Any, field: PersonalField, depth: int, at: Path
) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """(path of the field, the mapping that holds it) for each place ``field`` occurs."""
    if not isinstance(node, Mapping):
        return
    key = field.path[depth]
    if depth == len(field.path) - 1:
        if key in node:
            yield (*at, key), node
        return
    child = node.get(key)
    if depth in field.lists and isinstance(child, list):
        for index, item in enumerate(child):
            yield from _walk(item, field, depth + 1, (*at, key, index))
    else:
        yield from _walk(child, field, depth + 1, (*at, key))


def _condition_holds(parent: Mapping[str, Any], when: Mapping[str, str]) -> bool:
    return all(parent.get(sibling) == value for sibling, value in when.items())
