"""A watermark position, kept as text in the adapter's checkpoints and read back typed.

A position is the watermark column's value of the last row submitted and, when the watermark
is not the key itself, that row's key: rows are read ``ORDER BY watermark, key``, so rows
sharing one timestamp are neither skipped nor read twice across batches. Values keep their
type (integer, decimal, text, date, timestamp, UUID) so the next query compares like with like.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from adapters.sdk import ConfigError

_DECODERS: dict[str, Any] = {
    "int": int,
    "str": str,
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "uuid": uuid.UUID,
}


def _tagged(value: Any) -> list[str]:
    if isinstance(value, bool):
        raise ConfigError("a watermark column cannot be boolean")
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, Decimal):
        return ["decimal", str(value)]
    if isinstance(value, datetime):  # before date: a datetime is a date
        return ["datetime", value.isoformat()]
    if isinstance(value, date):
        return ["date", value.isoformat()]
    if isinstance(value, uuid.UUID):  # only sensible as the tie-breaking key
        return ["uuid", str(value)]
    raise ConfigError(
        f"a watermark column holding {type(value).__name__} values cannot be ordered reliably; "
        "use an integer, text, date or timestamp column"
    )


def encode(position: tuple[Any, ...]) -> str:
    """``position`` as checkpoint text. :class:`ConfigError` for a type that cannot be kept."""
    return json.dumps([_tagged(v) for v in position])


def decode(text: str) -> tuple[Any, ...]:
    """The position :func:`encode` wrote. :class:`ConfigError` if ``text`` is not one (the
    checkpoint was written by something else: fix or delete it)."""
    try:
        items = json.loads(text)
        return tuple(_DECODERS[tag](value) for tag, value in items)
    except (ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"the stored watermark {text!r} cannot be read: {e}") from e
