"""Dotted paths into parsed JSON: ``items``, ``data.records``, ``meta.updated_at``, ``rows.0``.

An empty path is the document itself. A segment of digits indexes a list.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.sdk.adapter_errors import PermanentError

_NAME = re.compile(r"^[^.\s]+(\.[^.\s]+)*$")


class PathMissing(PermanentError):
    """The document has nothing at the path: permanent for that document (its callers refuse
    the item or skip the optional value). Not a ``LookupError``: callers catch it by name."""


def check_path(path: str) -> str:
    """``path`` if it is empty or dot-separated non-empty names; ValueError otherwise."""
    if path and not _NAME.match(path):
        raise ValueError(f"{path!r} is not a dotted path (like 'data.items')")
    return path


def find(document: Any, path: str) -> Any:
    """The value at ``path`` in ``document``; :class:`PathMissing` when there is none."""
    value = document
    for segment in path.split(".") if path else ():
        if isinstance(value, dict) and segment in value:
            value = value[segment]
        elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
            value = value[int(segment)]
        else:
            raise PathMissing(f"nothing at {path!r} (stopped at {segment!r})")
    return value
