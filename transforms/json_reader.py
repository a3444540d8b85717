"""The one strict JSON reader every door uses, and its exact inverse for splitting documents.

Contract of :func:`read_json` (bytes in, a JSON value out, or a :class:`TransformError`):

- Encoding: UTF-8 unless ``charset`` names another accepted one (GBK, GB18030; see
  :mod:`transforms.charsets`). One UTF-8 byte-order mark is tolerated (RFC 8259 lets a reader
  ignore it); a UTF-16/UTF-32 mark or NUL bytes are refused as ``json.encoding_unsupported``,
  never guessed at, and bytes that are not in the named encoding as ``json.encoding_mismatch``.
- Objects: a key twice in one object is ``json.duplicate_key`` (never last-wins).
- Strings: a lone surrogate (``"\\ud800"``) is ``json.lone_surrogate``: no encoder can write it.
- Numbers: ``NaN``/``Infinity`` are ``json.malformed`` (not JSON). An integer of more than
  :data:`MAX_INTEGER_DIGITS` digits, a number literal longer than :data:`MAX_NUMBER_CHARS`, or a
  decimal whose magnitude is beyond 10^±:data:`MAX_INTEGER_DIGITS` is ``json.number_too_large``
  (Python's own limit on int parsing is 4300 digits and is a crash, not a reason). Integers come
  out as ``int``; numbers with a fraction or exponent as exact :class:`~decimal.Decimal` (the
  standard's amounts such as 0.2 万元 are never rounded through a float).
- Nesting: more than :data:`MAX_DEPTH` levels of arrays/objects is ``json.too_deep``.
- Anything else unreadable is ``json.malformed`` with line and column.

:func:`write_json` writes such a value back as UTF-8 JSON with every number exactly as read, so a
door that splits an array into records changes no value.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from transforms.charsets import UTF8, CharsetMismatch, canonical_charset, decode_checked
from transforms.transform_errors import TransformError

#: Deepest nesting of arrays and objects accepted (the unified records need 4).
MAX_DEPTH = 64
#: Most digits an integer may have; also the largest decimal exponent accepted either way.
MAX_INTEGER_DIGITS = 64
#: Longest number literal accepted (sign, digits, point and exponent).
MAX_NUMBER_CHARS = 128

_UTF8_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_SURROGATE = re.compile("[\ud800-\udfff]")


def read_json(data: bytes, charset: str | None = None) -> Any:
    """The JSON value ``data`` holds (see the module docstring); TransformError otherwise."""
    text = _text(data, charset)
    try:
        value = json.loads(
            text,
            parse_int=_integer,
            parse_float=_decimal,
            parse_constant=_refuse_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as e:
        raise TransformError(
            "json.malformed", f"line {e.lineno}, column {e.colno}: {e.msg}"
        ) from e
    except RecursionError as e:
        raise TransformError(
            "json.too_deep", f"nested too deeply: more than {MAX_DEPTH} levels"
        ) from e
    _check_tree(value)
    return value


def write_json(value: Any) -> bytes:
    """``value`` (as :func:`read_json` returns them) as UTF-8 JSON, numbers written exactly;
    laid out as ``json.dumps`` does by default (``", "`` and ``": "``), as the doors always did."""
    return "".join(_written(value)).encode(UTF8)


def _text(data: bytes, charset: str | None) -> str:
    codec = UTF8 if charset is None else canonical_charset(charset)
    if codec is None:
        raise TransformError(
            "json.encoding_unsupported",
            f"charset {charset!r}; accepted encodings are UTF-8, GBK and GB18030",
        )
    if data.startswith(_WIDE_BOMS) or b"\x00" in data[:4]:
        raise TransformError(
            "json.encoding_unsupported",
            "the body looks like UTF-16 or UTF-32; send UTF-8 (or GBK/GB18030 with a charset)",
        )
    if codec == UTF8:
        data = data.removeprefix(_UTF8_BOM)
    try:
        return decode_checked(data, codec, charset or "UTF-8")
    except CharsetMismatch as e:
        raise TransformError("json.encoding_mismatch", str(e)) from e


def _integer(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise TransformError(
            "json.number_too_large",
            f"an integer of {len(literal.lstrip('-'))} digits; at most {MAX_INTEGER_DIGITS}",
        )
    return int(literal)


def _decimal(literal: str) -> Decimal:
    if len(literal) > MAX_NUMBER_CHARS:
        raise TransformError(
            "json.number_too_large",
            f"a number written with {len(literal)} characters; at most {MAX_NUMBER_CHARS}",
        )
    value = Decimal(literal)
    if value and abs(value.adjusted()) > MAX_INTEGER_DIGITS:
        raise TransformError(
            "json.number_too_large",
            f"{literal} is beyond 10^±{MAX_INTEGER_DIGITS}",
        )
    return value


def _refuse_constant(name: str) -> Any:
    raise TransformError("json.malformed", f"{name} is not a JSON number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise TransformError(
                "json.duplicate_key", f"key {key[:100]!r} appears twice in one object"
            )
        result[key] = value
    return result


def _check_tree(value: Any) -> None:
    """Depth and lone surrogates, walked without recursion (the value may be deep)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                raise TransformError(
                    "json.lone_surrogate",
                    "a string holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)",
                )
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise TransformError("json.too_deep", f"nested too deeply: more than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((key, depth + 1) for key in node)
            stack.extend((item, depth + 1) for item in node.values())
        else:
            stack.extend((item, depth + 1) for item in node)


def _written(value: Any) -> list[str]:
    """The JSON text of ``value`` in pieces; recursion is safe: read values are shallow."""
    if isinstance(value, dict):
        parts = ["{"]
        for index, (key, item) in enumerate(value.items()):
            parts.append((", " if index else "") + json.dumps(key, ensure_ascii=False) + ": ")
            parts.extend(_written(item))
        return [*parts, "}"]
    if isinstance(value, list):
        parts = ["["]
        for index, item in enumerate(value):
            if index:
                parts.append(", ")
            parts.extend(_written(item))
        return [*parts, "]"]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise TransformError("json.invalid_value", f"{value} is not a JSON number")
        return [str(value)]
    return [json.dumps(value, ensure_ascii=False, allow_nan=False)]
