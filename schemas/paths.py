"""Walking a model's fields: dotted paths of lists and of credit-code fields.

Paths follow the unified form: nested fields joined by dots (``business_scope.licensed_items``);
a field inside the items of a list of blocks is written without an index (``changes.item``).
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from schemas.types.credit_codes import CreditCodeMark


@dataclass(frozen=True)
class FieldSpot:
    """One field of a model, with what the walkers need to know about it."""

    name: str
    path: str
    is_list: bool
    block: type[BaseModel] | None
    credit_code: CreditCodeMark | None


def _unwrap(annotation: Any, metadata: list[Any]) -> Any:
    """Drop ``| None`` and ``Annotated``, collecting Annotated metadata on the way."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def fields_of(model: type[BaseModel], prefix: str = "") -> Iterator[FieldSpot]:
    """The fields of ``model`` in declaration order (not descending into blocks)."""
    return iter(_spots(model, prefix))


@cache
def _spots(model: type[BaseModel], prefix: str) -> tuple[FieldSpot, ...]:
    # Models do not change at run time; introspecting them once per (model, prefix) keeps
    # validation's repair and list-path walks off the hot path.
    return tuple(_walk(model, prefix))


def _walk(model: type[BaseModel], prefix: str) -> Iterator[FieldSpot]:
    for name, info in model.model_fields.items():
        metadata: list[Any] = list(info.metadata)
        inner = _unwrap(info.annotation, metadata)
        is_list = get_origin(inner) is list
        if is_list:
            inner = _unwrap(get_args(inner)[0], metadata)
        block = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
        mark = next((m for m in metadata if isinstance(m, CreditCodeMark)), None)
        yield FieldSpot(name, f"{prefix}{name}", is_list, block, mark)


@cache
def list_paths_of(model: type[BaseModel], prefix: str = "") -> frozenset[str]:
    """Dotted paths of every list-valued field of ``model``, nested blocks included."""
    found: set[str] = set()
    for spot in fields_of(model, prefix):
        if spot.is_list:
            found.add(spot.path)
        if spot.block is not None:
            found |= list_paths_of(spot.block, f"{spot.path}.")
    return frozenset(found)


def credit_code_values(
    model: type[BaseModel], data: Any, prefix: str = ""
) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of every credit-code field present in ``data``; lists indexed."""
    if not isinstance(data, dict):
        return
    for spot in fields_of(model, prefix):
        value = data.get(spot.name)
        if spot.credit_code is not None and value is not None:
            yield spot.path, value
        elif spot.block is not None and spot.is_list and isinstance(value, list):
            for index, item in enumerate(value):
                yield from credit_code_values(spot.block, item, f"{spot.path}.{index}.")
        elif spot.block is not None:
            yield from credit_code_values(spot.block, value, f"{spot.path}.")
