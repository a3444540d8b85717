"""Apply a source's `RecordMapping` to a decoded record, giving a record in unified field names.

Order (each step sees the result of the one before):

0. *refuse*: a source value listed under ``refuse`` stops the record with `mapping.refused_code`;
   the path is then the source path, as the value has no unified field.
1. *renames*: each source path present with a non-empty value is moved to its unified path(s);
   a unified path fed by several source keys (declared in ``split``) collects their values in
   declaration order. Absent, null and empty-string source values are skipped.
2. *drop*: listed source paths are removed.
3. *pass-through*: every other key stays where it is, so a source that already uses some unified
   names needs no rename for them, and a stray source key reaches the schema check, which reports
   it as unknown instead of it vanishing here. A renamed value whose unified path is already
   taken by a different value is `mapping.conflict`.
4. *split*: a string at a split path is cut at any of its separators; items are stripped of
   surrounding whitespace and empty items are dropped. The field becomes a list.
5. *code_tables*: each value (each item, for lists) is looked up as text (JSON numbers by their
   decimal text). Unknown -> `mapping.unknown_code`; a ``{reject: ...}`` entry ->
   `mapping.ambiguous_code`; a list entry expands into several items. Error paths carry the
   item's index among the split items (``penalty_categories.1``).
6. *constants*, then *implied* values (set when their trigger field is present). Either one
   meeting a different value already present is `mapping.conflict`; an equal value is fine.

The input is not modified.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from transforms.mapping import CodeValue, RecordMapping, Rejection
from transforms.transform_errors import TransformError

_MISSING = object()


def apply_mapping(record: dict[str, Any], mapping: RecordMapping) -> dict[str, Any]:
    """Return a new record with `mapping` applied (steps in the module docstring)."""
    for source, refused in mapping.refuse.items():
        value = _get(record, source)
        if value is not _MISSING and value is not None and str(value) in refused:
            raise TransformError(
                "mapping.refused_code",
                f"value {value!r}: {refused[str(value)]}",
                source,
            )
    result = copy.deepcopy(record)
    moved: dict[str, Any] = {}
    for source, targets in mapping.renames.items():
        value = _pop(result, source)
        if value is _MISSING or value is None or value == "":
            continue
        for target in [targets] if isinstance(targets, str) else targets:
            if target in mapping.split:
                moved.setdefault(target, []).append(value)
            else:
                moved[target] = value
    for source in mapping.drop:
        _pop(result, source)
    for target, value in moved.items():
        _put(result, target, value)
    for path, separators in mapping.split.items():
        _split_at(
            result, path, [separators] if isinstance(separators, str) else separators
        )
    for path, table in mapping.code_tables.items():
        _translate_at(result, path, table)
    for path, constant in mapping.constants.items():
        _put(result, path, constant)
    for trigger, values in mapping.implied.items():
        present = _get(result, trigger)
        if present is not _MISSING and present not in (None, "", []):
            for path, value in values.items():
                _put(result, path, value)
    return result


def _get(record: dict[str, Any], path: str) -> Any:
    node: Any = record
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _pop(record: dict[str, Any], path: str) -> Any:
    """Remove and return the value at `path`, pruning objects the removal leaves empty."""
    *parents, last = path.split(".")
    chain: list[dict[str, Any]] = [record]
    for key in parents:
        child = chain[-1].get(key)
        if not isinstance(child, dict):
            return _MISSING
        chain.append(child)
    value = chain[-1].pop(last, _MISSING)
    for key, parent in zip(reversed(parents), reversed(chain[:-1])):
        if parent[key] == {}:
            del parent[key]
    return value


def _put(record: dict[str, Any], path: str, value: Any) -> None:
    """Set `path`, refusing to overwrite a different value (mapping.conflict)."""
    *parents, last = path.split(".")
    node = record
    for depth, key in enumerate(parents):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            at = ".".join(parents[: depth + 1])
            raise TransformError(
                "mapping.conflict", f"{at} holds a value, not an object", at
            )
        node = child
    existing = node.get(last, _MISSING)
    if existing is not _MISSING and existing not in (None, "") and existing != value:
        raise TransformError(
            "mapping.conflict",
            f"two inputs give different values: {existing!r} and {value!r}",
            path,
        )
    node[last] = value


def _split_at(record: dict[str, Any], path: str, separators: list[str]) -> None:
    value = _get(record, path)
    if value is _MISSING or value is None:
        return
    pieces = value if isinstance(value, list) else [value]
    pattern = re.compile("|".join(re.escape(separator) for separator in separators))
    items: list[Any] = []
    for piece in pieces:
        if isinstance(piece, dict):
            raise TransformError(
                "mapping.bad_value", "an object where text was expected", path
            )
        if isinstance(piece, str):
            items.extend(part.strip() for part in pattern.split(piece) if part.strip())
        else:
            items.append(piece)
    _replace(record, path, items)


def _translate_at(
    record: dict[str, Any], path: str, table: dict[str, CodeValue]
) -> None:
    value = _get(record, path)
    if value is _MISSING or value is None:
        return
    if not isinstance(value, list):
        translated = _translate(value, table, path)
        if isinstance(translated, list):
            # The model only allows list entries for split (list) fields.
            raise TransformError("mapping.bad_value", "one value maps to several", path)
        _replace(record, path, translated)
        return
    items: list[str] = []
    for index, item in enumerate(value):
        translated = _translate(item, table, f"{path}.{index}")
        items.extend(translated if isinstance(translated, list) else [translated])
    _replace(record, path, items)


def _translate(value: Any, table: dict[str, CodeValue], path: str) -> str | list[str]:
    if isinstance(value, (dict, list, bool)):
        raise TransformError("mapping.bad_value", f"{value!r} is not a code", path)
    code = str(value)
    entry = table.get(code)
    if entry is None:
        codes = sorted(table)
        known = ", ".join(codes[:12]) + (", ..." if len(codes) > 12 else "")
        raise TransformError(
            "mapping.unknown_code",
            f"code {code!r} is not in the source's table ({known})",
            path,
        )
    if isinstance(entry, Rejection):
        raise TransformError(
            "mapping.ambiguous_code", f"code {code!r}: {entry.reject}", path
        )
    return list(entry) if isinstance(entry, list) else entry


def _replace(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = record
    for key in parents:
        node = node[key]
    node[last] = value
