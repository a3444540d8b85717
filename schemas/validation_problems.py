"""Turning validation failures into problems with stable reason codes and dotted paths.

Custom validators raise ``reason_error(code, message)``: a ``PydanticCustomError`` whose type is
our reason code, so it passes through unchanged. Pydantic's built-in error types are translated
by ``PYDANTIC_ERROR_CODES``. Cross-field rules (a field that another field makes mandatory) are
checked after a model's fields and reported as ``Violation``s with their own paths; they travel
inside one error of type ``CONDITIONAL_ERROR`` and are unpacked here, so each keeps its own code
and path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

from schemas.reasons import REASON_CODES
from schemas.verdict import Problem

#: Internal error type that carries a model's cross-field violations; never shown to sources.
CONDITIONAL_ERROR = "schemas.conditional"

_TYPE_ERRORS = (
    "string_type", "string_unicode", "int_type", "int_parsing", "int_from_float", "float_type",
    "float_parsing", "bool_type", "bool_parsing", "list_type", "tuple_type", "set_type",
    "dict_type", "model_type", "model_attributes_type", "dataclass_type", "is_instance_of",
    "bytes_type",
)
_DATETIME_ERRORS = (
    "datetime_type", "datetime_parsing", "datetime_from_date_parsing", "datetime_object_invalid",
    "timezone_aware", "timezone_naive", "datetime_future", "datetime_past",
)

#: Pydantic error type -> our reason code. Anything not listed becomes ``field.invalid``.
PYDANTIC_ERROR_CODES: Mapping[str, str] = MappingProxyType(
    {
        "missing": "field.missing",
        "extra_forbidden": "field.unknown",
        "string_too_long": "field.too_long",
        "too_long": "field.too_long",
        "string_too_short": "field.too_short",
        "too_short": "field.too_short",
        "string_pattern_mismatch": "field.pattern",
        "literal_error": "enum.unknown",
        "enum": "enum.unknown",
        **{name: "field.type" for name in _TYPE_ERRORS},
        **{name: "datetime.format" for name in _DATETIME_ERRORS},
    }
)
FALLBACK_CODE = "field.invalid"


def reason_error(code: str, message: str) -> PydanticCustomError:
    """An error for a custom validator to raise; ``code`` must be in ``REASON_CODES``.

    An undocumented code is a programming error: ``LookupError`` is raised, which pydantic does
    not turn into a validation error, so the bug surfaces instead of reaching a source.
    """
    if code not in REASON_CODES:
        raise LookupError(f"reason code {code!r} is not in schemas.reasons.REASON_CODES")
    # Braces in the message would be read as template fields by pydantic-core.
    return PydanticCustomError(code, message.replace("{", "(").replace("}", ")"))


@dataclass(frozen=True)
class Violation:
    """A cross-field rule broken by a model; ``path`` is relative to that model."""

    code: str
    path: str
    message: str


def raise_violations(violations: Sequence[Violation]) -> None:
    """Raise one error that carries every violation, if there are any."""
    if not violations:
        return
    summary = "; ".join(f"{v.path}: {v.message}" for v in violations)
    raise PydanticCustomError(
        CONDITIONAL_ERROR,
        "{summary}",
        {"summary": summary, "violations": tuple((v.code, v.path, v.message) for v in violations)},
    )


def dotted(location: Iterable[Any]) -> str:
    """``("party", "credit_code")`` -> ``"party.credit_code"``; list indexes stay numbers."""
    return ".".join(str(part) for part in location)


def problems_from(error: ValidationError) -> list[Problem]:
    """Every error of a validation failure as a problem with our code and a dotted path."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        location = tuple(item["loc"])
        if item["type"] == CONDITIONAL_ERROR:
            for code, path, message in item["ctx"]["violations"]:
                problems.append(Problem(code, dotted((*location, *path.split("."))), message))
            continue
        problems.append(_problem_for(item, dotted(location)))
    return problems


def _problem_for(item: Mapping[str, Any], path: str) -> Problem:
    kind = item["type"]
    if item.get("input", ...) is None and kind != "extra_forbidden":
        # Sources send null for "no value"; for a field that needs one that is a missing value.
        return Problem("field.missing", path, "a value is required here but it is null")
    if kind in REASON_CODES:
        return Problem(kind, path, item["msg"])
    return Problem(PYDANTIC_ERROR_CODES.get(kind, FALLBACK_CODE), path, item["msg"])
