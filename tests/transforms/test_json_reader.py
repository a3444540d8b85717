"""The one strict JSON reader (transforms.read_json) and its exact writer."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from transforms import (
    MAX_DEPTH,
    MAX_INTEGER_DIGITS,
    TransformError,
    read_json,
    write_json,
)


def _code(data: bytes, charset: str | None = None) -> str:
    with pytest.raises(TransformError) as caught:
        read_json(data, charset)
    return caught.value.code


@pytest.mark.parametrize(("data", "code"), [
    (b'{"a": 1, "a": 1}', "json.duplicate_key"),
    (b'{"x": {"a": 1, "b": {}, "a": 2}}', "json.duplicate_key"),
    (b'{"a": "\\ud800"}', "json.lone_surrogate"),
    (b'{"\\udfff": 1}', "json.lone_surrogate"),
    (b'["ok", "\\ude00\\ud83d"]', "json.lone_surrogate"),  # wrong order: two lone halves
    (b"1" * (MAX_INTEGER_DIGITS + 1), "json.number_too_large"),
    (b"-" + b"9" * 5000, "json.number_too_large"),
    (b"1e999999999", "json.number_too_large"),
    (b"0." + b"0" * 200 + b"1", "json.number_too_large"),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "json.too_deep"),
    (b"[" * 200_000, "json.too_deep"),
    (b'{"a": NaN}', "json.malformed"),
    (b"[Infinity]", "json.malformed"),
    (b"[-Infinity]", "json.malformed"),
    (b'{"a": ', "json.malformed"),
    (b"\xef\xbb\xbf\xef\xbb\xbf{}", "json.malformed"),  # a second BOM is no longer whitespace
])
def test_hostile_json_is_refused_with_its_own_code(data: bytes, code: str) -> None:
    assert _code(data) == code


def test_utf16_and_utf32_are_refused_not_guessed() -> None:
    document = '{"name": "闵行"}'
    for codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32"):
        assert _code(document.encode(codec)) == "json.encoding_unsupported", codec
    assert _code(document.encode("utf-8"), "utf-16") == "json.encoding_unsupported"
    assert _code(document.encode("gbk")) == "json.encoding_mismatch"


def test_limits_are_inclusive_and_legitimate_json_reads_exactly() -> None:
    nested = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert read_json(nested) is not None
    assert read_json(b"9" * MAX_INTEGER_DIGITS) == int("9" * MAX_INTEGER_DIGITS)
    value = read_json('\ufeff{"name": "闵行", "fine": 0.20, "n": 12, "e": "\\ud83d\\ude00"}'
                      .encode())
    assert value == {"name": "闵行", "fine": Decimal("0.20"), "n": 12, "e": "😀"}
    assert str(value["fine"]) == "0.20"  # the scale a department wrote is kept
    assert read_json('{"name": "闵行"}'.encode("gb18030"), "GB18030") == {"name": "闵行"}


def test_write_json_gives_back_every_number_exactly_as_read() -> None:
    text = '[{"amount": 12345678901234567890.123456789, "n": -7, "t": "闵", "ok": true, "x": null}]'
    value = read_json(text.encode())
    written = write_json(value)
    assert written == text.encode()
    assert read_json(written) == value
    assert json.loads(written, parse_float=Decimal) == value  # plain JSON for any reader
