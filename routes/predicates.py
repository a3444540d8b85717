"""Evaluating route predicates against a payload, and spotting predicates that cannot hold.

Paths are dotted: ``business_scope.licensed_items``; a numeric segment indexes a list
(``changes.0.item``). A path that does not resolve gives :data:`MISSING`, never an exception,
because a record that lacks a field must simply not match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routes.model import Predicate


class _Missing:
    """Marker for a path that does not resolve (distinct from an explicit ``null``)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def lookup(payload: Any, path: str) -> Any:
    """Return the value at dotted ``path`` in ``payload``, or :data:`MISSING`."""
    value = payload
    for segment in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(segment, MISSING)
        elif (
            isinstance(value, list) and segment.isdigit() and int(segment) < len(value)
        ):
            value = value[int(segment)]
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


def is_present(value: Any) -> bool:
    """``exists: true`` semantics: resolved, not null and not an empty string, list or mapping."""
    if value is MISSING or value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, Mapping)):
        return len(value) > 0
    return True


def _same(value: Any, expected: Any) -> bool:
    # Compare type-strictly so that True does not equal 1 and "1" does not equal 1.
    return type(value) is type(expected) and value == expected


def holds(predicate: Predicate, value: Any) -> bool:
    """True when every condition of ``predicate`` holds for ``value``."""
    if predicate.exists is not None and is_present(value) != predicate.exists:
        return False
    if predicate.equals is not None and not _same(value, predicate.equals):
        return False
    if predicate.in_ is not None and not any(
        _same(value, option) for option in predicate.in_
    ):
        return False
    if predicate.prefix is not None and not (
        isinstance(value, str) and value.startswith(predicate.prefix)
    ):
        return False
    if predicate.contains is not None and not (
        isinstance(value, list)
        and any(_same(item, predicate.contains) for item in value)
    ):
        return False
    return predicate.any_item is None or (
        isinstance(value, list)
        and any(fields_hold(predicate.any_item, item) for item in value)
    )


def fields_hold(fields: Mapping[str, Predicate], payload: Any) -> bool:
    """True when each predicate holds for the value at its path (an empty mapping always holds)."""
    return all(
        holds(predicate, lookup(payload, path)) for path, predicate in fields.items()
    )


def why_never(predicate: Predicate) -> str | None:
    """Explain why ``predicate`` can hold for no value at all, or return ``None`` if it can."""
    positive = [
        name
        for name in ("equals", "in_", "prefix", "contains", "any_item")
        if getattr(predicate, name) is not None
    ]
    if predicate.exists is False and positive:
        return (
            f"'exists: false' contradicts {', '.join(n.rstrip('_') for n in positive)}"
        )
    if predicate.in_ is not None and not predicate.in_:
        return "'in' is an empty list"
    if (
        predicate.equals is not None
        and predicate.in_ is not None
        and not any(_same(predicate.equals, option) for option in predicate.in_)
    ):
        return f"'equals' {predicate.equals!r} is not among 'in' {predicate.in_!r}"
    if predicate.prefix is not None:
        if predicate.equals is not None and not (
            isinstance(predicate.equals, str)
            and predicate.equals.startswith(predicate.prefix)
        ):
            return f"'equals' {predicate.equals!r} does not start with 'prefix' {predicate.prefix!r}"
        if predicate.in_ and not any(
            isinstance(option, str) and option.startswith(predicate.prefix)
            for option in predicate.in_
        ):
            return f"no value of 'in' starts with 'prefix' {predicate.prefix!r}"
    if predicate.contains is not None and any(
        getattr(predicate, name) is not None for name in ("equals", "in_", "prefix")
    ):
        return "'contains' needs a list, but equals/in/prefix need a scalar"
    if predicate.any_item is not None:
        if any(
            getattr(predicate, name) is not None for name in ("equals", "in_", "prefix")
        ):
            return "'any_item' needs a list, but equals/in/prefix need a scalar"
        for path, nested in predicate.any_item.items():
            reason = why_never(nested)
            if reason is not None:
                return f"any_item.{path}: {reason}"
    return None
