"""Decoding and encoding the JSON form of a record.

Decoding contract (`decode_json`): the bytes must be in the charset the content type names
(UTF-8 when none is named, as RFC 8259 requires; GBK and GB18030 are accepted because department
systems send them) and must hold exactly one JSON object. Numbers with a fraction become
`Decimal`, so an amount such as 0.2 万元 is never rounded through a float. Duplicate keys,
NaN/Infinity and absurd nesting are refused as `json.malformed` rather than resolved silently.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from enum import Enum
from typing import Any

from transforms.charsets import UTF8, CharsetMismatch, canonical_charset, decode_checked
from transforms.transform_errors import TransformError

_UTF8_BOM = b"\xef\xbb\xbf"


def decode_json(body: bytes, charset: str | None = None) -> dict[str, Any]:
    """One JSON object from `body` (see module docstring); raises TransformError otherwise."""
    codec = UTF8 if charset is None else canonical_charset(charset)
    if codec is None:
        raise TransformError(
            "json.encoding_unsupported",
            f"charset {charset!r}; accepted encodings are UTF-8, GBK and GB18030",
        )
    data = (
        body[len(_UTF8_BOM) :] if codec == UTF8 and body.startswith(_UTF8_BOM) else body
    )
    try:
        text = decode_checked(data, codec, charset or "UTF-8")
    except CharsetMismatch as e:
        raise TransformError("json.encoding_mismatch", str(e)) from e
    try:
        value = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object_without_duplicates,
        )
    except json.JSONDecodeError as e:
        raise TransformError(
            "json.malformed", f"line {e.lineno}, column {e.colno}: {e.msg}"
        ) from e
    except RecursionError as e:
        raise TransformError("json.malformed", "nested too deeply") from e
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


def _refuse_constant(name: str) -> Any:
    raise TransformError("json.malformed", f"{name} is not a JSON number")


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TransformError(
                "json.malformed", f"key {key!r} appears twice in one object"
            )
        result[key] = value
    return result
