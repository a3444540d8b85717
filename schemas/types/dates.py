"""Dates: accepted as YYYY-MM-DD (live systems) or YYYY/MM/DD (the standard), emitted YYYY-MM-DD."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

from schemas.validation_problems import reason_error

# One separator throughout: 2024/01-05 is a typing slip, not a format.
_DATE = re.compile(r"^([0-9]{4})([-/])([0-9]{2})\2([0-9]{2})$")
#: "Long-term" in validity fields of the 双公示 standard.
LONG_TERM = date(2099, 12, 31)


def parse_date(value: Any) -> date:
    """A ``date`` from text in either accepted format (or a ``date``); reason-coded errors."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise reason_error("date.format", "a date is text written YYYY-MM-DD or YYYY/MM/DD")
    match = _DATE.match(value)
    if match is None:
        raise reason_error("date.format", f"{value!r} is not written YYYY-MM-DD or YYYY/MM/DD")
    year, _, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError as e:
        raise reason_error("date.invalid", f"{value!r} is not a calendar date: {e}") from e


StdDate = Annotated[
    date, BeforeValidator(parse_date), WithJsonSchema({"type": "string", "format": "date"})
]
#: A timestamp with its time zone (ISO 8601), e.g. 2024-05-01T08:30:00+08:00.
StdDateTime = AwareDatetime
