"""Rows into records, without a database: the values a driver returns, what each becomes in
the record, which ones cannot be record values, and the watermark kept between polls."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest

from adapters.db import poll_watermark as watermark
from adapters.db.poll_config import DbPollConfig
from adapters.db.table_rows import read_row, row_json
from adapters.sdk import ConfigError, InboundRecord, RecordProblem

BODY = {"kind": "db-poll", "url": "sqlite:////tmp/x.sqlite", "body_column": "body",
        "record_type": "administrative_licence"}


def body_config(**changes: Any) -> DbPollConfig:
    return DbPollConfig.model_validate({**BODY, **changes})


def columns_config(columns: dict[str, str]) -> DbPollConfig:
    return body_config(body_column=None, columns=columns)


def record(result: InboundRecord | RecordProblem) -> dict[str, Any]:
    assert isinstance(result, InboundRecord), result
    value: dict[str, Any] = json.loads(result.body)
    return value


def problem(result: InboundRecord | RecordProblem) -> RecordProblem:
    assert isinstance(result, RecordProblem), result
    return result


def test_driver_values_become_json_values_exactly() -> None:
    config = columns_config({
        "text": "a", "count": "b", "flag": "c", "amount": "d", "ratio": "e", "day": "f",
        "at": "g", "clock": "h", "codes": "i", "extra": "j", "absent": "k",
    })
    row = {
        "id": 1, "a": "甲", "b": 3, "c": True, "d": Decimal("0.200000"), "e": 1.5,
        "f": date(2026, 11, 2), "g": datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        "h": time(9, 30), "i": ["罚款", None, "警告"], "j": {"k": Decimal("1E+2")}, "k": None,
    }
    assert record(read_row(config, row)) == {
        "text": "甲", "count": 3, "flag": True, "amount": "0.200000", "ratio": 1.5,
        "day": "2026-11-02", "at": "2026-11-02T09:30:00+00:00", "clock": "09:30:00",
        "codes": ["罚款", "警告"], "extra": {"k": "100"},
    }


@pytest.mark.parametrize(
    "value",
    [b"\x00\x01", memoryview(b"x"), float("nan"), float("inf"), Decimal("NaN"),
     Decimal("sNaN"), uuid.uuid4(), [b"x"], {1: "non-text key"}],
)
def test_values_a_record_cannot_hold_make_the_row_invalid(value: Any) -> None:
    found = problem(read_row(columns_config({"party.name": "NAME"}), {"id": 9, "NAME": value}))
    assert (found.code, found.path) == ("adapter.row_invalid", "row 9/NAME")


def test_a_json_body_is_sent_byte_for_byte() -> None:
    text = '{"b": 1,   "a": "许可"}'
    result = read_row(body_config(), {"id": 4, "body": text})
    assert isinstance(result, InboundRecord)
    assert result.body == text.encode() and result.source_message_id == "4"
    blob = read_row(body_config(), {"id": 5, "body": memoryview(b"\xef\xbb\xbf{}")})
    assert isinstance(blob, InboundRecord) and blob.body == b"\xef\xbb\xbf{}"


def test_a_json_column_value_is_sent_as_json_text() -> None:
    result = read_row(body_config(), {"id": 1, "body": {"licence_number": "许可1"}})
    assert isinstance(result, InboundRecord)
    assert json.loads(result.body) == {"licence_number": "许可1"}
    assert problem(read_row(body_config(), {"id": 2, "body": [1]})).path == "row 2/body"


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (None, "adapter.row_invalid", "NULL"),
        (42, "adapter.row_invalid", "holds a value of type int, not text"),
        ("", "adapter.row_invalid", "empty"),
        ("{", "adapter.row_invalid", "not JSON: line 1, column 2"),
        ('"text"', "adapter.row_invalid", "a JSON str, not an object"),
        ("[" * 100_000, "adapter.row_invalid", "nested too deeply"),
        ("{}".encode("utf-16"), "adapter.encoding", "not UTF-8"),
    ],
)
def test_a_body_that_is_no_json_object_says_why(body: Any, code: str, message: str) -> None:
    found = problem(read_row(body_config(), {"id": 1, "body": body}))
    assert found.code == code and message in found.message and found.path == "row 1/body"


def test_an_xml_body_from_a_binary_column_keeps_its_own_declared_encoding() -> None:
    raw = '<?xml version="1.0" encoding="GB18030"?><a>许可</a>'.encode("gb18030")
    result = read_row(body_config(body_format="xml"), {"id": 1, "body": raw})
    assert isinstance(result, InboundRecord)
    assert result.body == raw and result.content_type == "application/xml"


@pytest.mark.parametrize("value", [None, 3, "", "two words", "x" * 65])
def test_a_record_type_column_must_name_a_type(value: Any) -> None:
    config = body_config(record_type=None, record_type_column="kind")
    found = problem(read_row(config, {"id": 1, "body": "{}", "kind": value}))
    assert found.path == "row 1/kind"


def test_a_refused_row_is_shown_as_json_whatever_its_values() -> None:
    row = {"id": 1, "blob": b"\xff", "at": date(2026, 1, 2), "n": Decimal("1.50"),
           "f": float("nan"), "o": object}
    shown = json.loads(row_json(row))
    assert shown["blob"] == {"base64": "/w=="} and shown["at"] == "2026-01-02"
    assert shown["n"] == "1.50" and shown["f"] == "nan" and shown["o"].startswith("<class")


@pytest.mark.parametrize(
    "position",
    [(7,), ("2026-11-02 09:00:00", 3), (Decimal("12.5"), "k"),
     (datetime(2026, 11, 2, 9, tzinfo=UTC), uuid.uuid4()), (date(2026, 11, 2), 1)],
)
def test_a_watermark_position_round_trips_with_its_types(position: tuple[Any, ...]) -> None:
    decoded = watermark.decode(watermark.encode(position))
    assert decoded == position and [type(v) for v in decoded] == [type(v) for v in position]


@pytest.mark.parametrize("value", [1.5, True, b"x"])
def test_a_watermark_of_a_type_that_cannot_be_kept_is_a_config_error(value: Any) -> None:
    with pytest.raises(ConfigError, match="watermark"):
        watermark.encode((value,))
