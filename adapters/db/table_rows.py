"""One exchange-table row into one record, or into the reason it cannot be one.

Contract of :func:`read_row`:
- ``body_column`` rows: the column's text is the record, sent as it is (UTF-8 when the column is
  text; bytes columns are sent byte for byte; a PostgreSQL json/jsonb value is written back as
  JSON text). JSON must be read by the hub's strict reader (:func:`transforms.read_json`; its
  ``json.*`` code leads the message) and be an object; XML is passed on for the hub's safe XML reader
  to judge (it reports its own, more precise reasons).
- ``columns`` rows: the mapped columns become a JSON object (dotted field paths nest). NULL
  columns are left out; dates and times become ISO 8601 text, NUMERIC values exact decimal text;
  binary values, NaN and infinities cannot be record values.
- The record type comes from the config or from its column (a non-empty name).
- Anything wrong gives a :class:`RecordProblem` (``adapter.row_invalid``, or ``adapter.encoding``
  for bytes that are not UTF-8) whose path names the row key and column.

:func:`row_json` is the row itself as JSON bytes, the body a refused row is quarantined with.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from adapters.db.poll_config import DbPollConfig
from adapters.sdk import InboundRecord, RecordProblem, unreadable_json
from transforms import TransformError, read_json

ROW_INVALID = "adapter.row_invalid"
ENCODING = "adapter.encoding"
_TYPE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


# Private: raised by the row readers and caught in this module, never leaves it.
class _Unusable(Exception):
    """A value that cannot become part of a record; ``code`` and ``message`` say why."""

    def __init__(self, column: str, message: str, code: str = ROW_INVALID) -> None:
        super().__init__(message)
        self.column = column
        self.code = code
        self.message = message


def read_row(config: DbPollConfig, row: Mapping[str, Any]) -> InboundRecord | RecordProblem:
    """The record ``row`` holds under ``config``, or why it holds none."""
    key = row[config.key_column]
    try:
        record_type = _record_type(config, row)
        if config.body_column is not None:
            body, content_type = _body(config, row[config.body_column])
        else:
            body, content_type = _from_columns(config.columns or {}, row), "application/json"
    except _Unusable as e:
        return RecordProblem(e.code, e.message, f"row {key}/{e.column}")
    except RecursionError:
        return RecordProblem(ROW_INVALID, "a value is nested too deeply", f"row {key}")
    return InboundRecord(
        body=body,
        record_type=record_type,
        content_type=content_type,
        source_message_id=str(key),
    )


def record_type_of(config: DbPollConfig, row: Mapping[str, Any]) -> str | None:
    """The row's record type if it names a usable one (for quarantining a refused row)."""
    try:
        return _record_type(config, row)
    except _Unusable:
        return None


def row_json(row: Mapping[str, Any]) -> bytes:
    """The row as a JSON object of column -> value (bytes as base64, dates as ISO text)."""
    return json.dumps(
        {name: _loose(value) for name, value in row.items()}, ensure_ascii=False
    ).encode("utf-8")


def _record_type(config: DbPollConfig, row: Mapping[str, Any]) -> str:
    if config.record_type is not None:
        return config.record_type
    column = config.record_type_column or ""
    value = row[column]
    if not isinstance(value, str) or not _TYPE_NAME.match(value.strip()):
        raise _Unusable(column, f"the record type column holds {value!r}, not a record type name")
    return value.strip()


def _body(config: DbPollConfig, value: Any) -> tuple[bytes, str]:
    column = config.body_column or ""
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    if isinstance(value, dict | list) and config.body_format == "json":
        value = json.dumps(value, ensure_ascii=False)  # a json/jsonb column, already parsed
    if isinstance(value, bytes):
        raw, text = value, None
    elif isinstance(value, str):
        raw, text = value.encode("utf-8"), value
    elif value is None:
        raise _Unusable(column, "the body column is NULL")
    else:
        kind = type(value).__name__
        raise _Unusable(column, f"the body column holds a value of type {kind}, not text")
    if not raw.strip():
        raise _Unusable(column, "the body column is empty")
    if config.body_format == "xml":
        return raw, "application/xml" if text is None else "application/xml; charset=utf-8"
    if text is None:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise _Unusable(column, f"the body is not UTF-8 ({e.reason} at byte {e.start})",
                            ENCODING) from e
    try:  # the pipeline's own strict reader: the row is refused here for the reason it would be
        parsed = read_json(text.encode("utf-8"))
    except TransformError as e:
        problem = unreadable_json(e.code, f"the body is not JSON: {e.message}",
                                  malformed=ROW_INVALID)
        raise _Unusable(column, problem.message, problem.code) from e
    if not isinstance(parsed, dict):
        raise _Unusable(column, f"the body is a JSON {type(parsed).__name__}, not an object")
    return raw, "application/json"


def _from_columns(columns: Mapping[str, str], row: Mapping[str, Any]) -> bytes:
    record: dict[str, Any] = {}
    for path, column in columns.items():
        value = row[column]
        if value is None:
            continue
        *parents, leaf = path.split(".")
        node = record
        for name in parents:
            node = node.setdefault(name, {})
        node[leaf] = _record_value(column, value)
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def _record_value(column: str, value: Any) -> Any:
    if isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Unusable(column, f"{value} is not a number a record can hold")
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Unusable(column, f"{value} is not a number a record can hold")
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_record_value(column, item) for item in value if item is not None]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _record_value(column, v) for k, v in value.items() if v is not None}
    kind = type(value).__name__
    raise _Unusable(column, f"a value of type {kind} cannot be part of a record")


def _loose(value: Any) -> Any:
    """Any column value as JSON, for showing a refused row as it was."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, memoryview | bytearray | bytes):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | timedelta):
        return str(value)
    if isinstance(value, list | tuple):
        return [_loose(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _loose(v) for k, v in value.items()}
    return str(value)
