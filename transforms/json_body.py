"""Decoding and encoding the JSON form of a record.

Decoding contract (`decode_json`): the bytes must be in the charset the content type names
(UTF-8 when none is named, as RFC 8259 requires; GBK and GB18030 are accepted because department
systems send them) and must hold exactly one JSON object. The bytes are read by the one strict
reader every door uses (`transforms.json_reader.read_json`: duplicate keys, lone surrogates,
oversized numbers, deep nesting, NaN and UTF-16 are refused with their own reason codes). Numbers
with a fraction become `Decimal`, so an amount such as 0.2 万元 is never rounded through a float.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from transforms.charsets import UTF8
from transforms.json_reader import read_json
from transforms.transform_errors import TransformError


def decode_json(body: bytes, charset: str | None = None) -> dict[str, Any]:
    """One JSON object from `body` (see module docstring); raises TransformError otherwise."""
    value = read_json(body, charset)
    if not isinstance(value, dict):
        raise TransformError(
            "body.not_an_object",
            f"the body is a JSON {type(value).__name__}, not an object",
        )
    return value


def encode_json(record: dict[str, Any]) -> bytes:
    """`record` as UTF-8 JSON with Chinese text unescaped; decimals and dates as strings."""
    try:
        text = json.dumps(
            record, ensure_ascii=False, allow_nan=False, default=_json_value
        )
    except ValueError as e:  # NaN/infinity, or _Unserialisable from _json_value
        raise TransformError("json.invalid_value", str(e)) from e
    return text.encode(UTF8)


# Private: raised by _json_value and caught (as ValueError) in this module, never leaves it.
class _Unserialisable(ValueError):
    pass


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise _Unserialisable(f"cannot write {value!r} as JSON")
