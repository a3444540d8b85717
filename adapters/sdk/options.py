"""A config model's options as the docs and ``hub adapters show`` present them.

:func:`options` lists a model's options in declaration order (name, type, default, required,
description, whether it is a secret reference), followed for a nested model by its own
options as ``field.option``; :func:`options_table` renders them as a markdown table. A field
without a description shows as such, visibly.
"""

from __future__ import annotations

import inspect
import json
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from adapters.sdk.config import _is_reference

SECRET_TYPE = "secret reference"
_SIMPLE = {str: "string", int: "integer", float: "number", bool: "boolean", Path: "path",
           dict: "mapping", list: "list", type(None): "null", Any: "any"}
_BOUNDS: tuple[tuple[type, str, str], ...] = (
    (annotated_types.Gt, "gt", "> {}"), (annotated_types.Ge, "ge", ">= {}"),
    (annotated_types.Lt, "lt", "< {}"), (annotated_types.Le, "le", "<= {}"),
    (annotated_types.MinLen, "min_length", "length >= {}"),
    (annotated_types.MaxLen, "max_length", "length <= {}"),
)


@dataclass(frozen=True)
class Option:
    """One configuration option as documented. ``default`` is JSON text, "" when required."""

    name: str
    type: str
    default: str
    required: bool
    description: str
    secret: bool


def _mentions_reference(metadata: Sequence[Any]) -> bool:
    return any(getattr(m, "func", None) is _is_reference for m in metadata)


def is_secret_reference(field: FieldInfo) -> bool:
    """Whether ``field`` is a :data:`~adapters.sdk.SecretRef` (optional or not)."""
    if _mentions_reference(field.metadata):
        return True
    pending = [field.annotation]
    while pending:
        annotation = pending.pop()
        if get_origin(annotation) is Annotated and _mentions_reference(
            getattr(annotation, "__metadata__", ())
        ):
            return True
        pending.extend(get_args(annotation))
    return False


def type_name(annotation: Any) -> str:
    """A reader's name for a type: ``string``, ``list of string``, ``one of "POST", "PUT"``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return SECRET_TYPE if _mentions_reference(annotation.__metadata__) else type_name(args[0])
    if origin in (Union, types.UnionType):
        names = [type_name(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(names))
    if origin is Literal:
        values = [json.dumps(a, ensure_ascii=False) for a in args]
        return values[0] if len(values) == 1 else "one of " + ", ".join(values)
    if origin in (list, tuple, set, frozenset, Sequence):
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"mapping of {type_name(args[0])} to {type_name(args[1])}" if args else "mapping"
    if annotation in _SIMPLE:
        return _SIMPLE[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(json.dumps(m.value, ensure_ascii=False) for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"object ({annotation.__name__})"
    return getattr(annotation, "__name__", str(annotation))


def _bounds(field: FieldInfo) -> list[str]:
    found = []
    for item in field.metadata:
        for kind, attribute, text in _BOUNDS:
            if isinstance(item, kind):
                found.append(text.format(getattr(item, attribute)))
    return found


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return ""
    if field.default_factory is not None:
        factory: Callable[..., Any] = field.default_factory
        try:
            takes_data = bool(inspect.signature(factory).parameters)
        except (TypeError, ValueError):  # builtins such as dict and list have no signature
            takes_data = False
        if takes_data:
            return "(computed from the other options)"
        value = factory()
    else:
        value = field.default
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, Enum):
        value = value.value
    return json.dumps(value, ensure_ascii=False, default=str)


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation names (``A | B | None``: A and B)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in models_in(arg)]


def options(config: type[BaseModel], prefix: str = "", note: str = "") -> list[Option]:
    """The options of a config model, in declaration order (``kind`` first). The options of a
    nested model follow its field as ``field.option`` (``In Model:`` when there are variants)."""
    found = []
    for name, field in config.model_fields.items():
        secret = is_secret_reference(field)
        kind = SECRET_TYPE if _mentions_reference(field.metadata) else type_name(field.annotation)
        dotted = f"{prefix}{field.alias or name}"
        found.append(Option(
            name=dotted, type=", ".join([kind, *_bounds(field)]), default=_default(field),
            required=field.is_required(),
            description=f"{note}{(field.description or '').strip()}" if field.description else "",
            secret=secret,
        ))
        models = models_in(field.annotation)
        for model in models:
            variant = f"In {model.__name__}: " if len(models) > 1 else ""
            found.extend(options(model, f"{dotted}.", variant))
    return found


def cell(text: str) -> str:
    """``text`` on one line, safe in a markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def options_table(config: type[BaseModel]) -> str:
    """The markdown table of a config model's options."""
    lines = ["| Option | Type | Default | Required | Description |", "| --- | --- | --- | --- | --- |"]
    for o in options(config):
        default = f"`{cell(o.default)}`" if o.default else ""
        description = cell(o.description) or "**(no description: fix the Config model)**"
        lines.append(f"| `{o.name}` | {cell(o.type)} | {default} | "
                     f"{'yes' if o.required else 'no'} | {description} |")
    return "\n".join(lines)


