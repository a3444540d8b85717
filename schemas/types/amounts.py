"""Amounts in 万元 (units of 10,000 yuan): non-negative decimals with at most 6 places.

A 2,000-yuan fine is 0.2. Amounts are kept as ``Decimal`` and emitted in JSON as text, so no
binary rounding ever touches them. JSON numbers are accepted through their shortest text form
(0.2 stays 0.2); a float that needs more than 6 places, such as 0.1 + 0.2, is refused.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from schemas.validation_problems import reason_error

FRACTION_DIGITS = 6
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_NEGATIVE = re.compile(r"^-[0-9]+(\.[0-9]+)?$")


def parse_amount(value: Any) -> Decimal:
    """A ``Decimal`` from text, int, float or Decimal; reason-coded errors."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise reason_error("amount.format", "an amount is a decimal number in 万元")
    if isinstance(value, float) and not math.isfinite(value):
        raise reason_error("amount.format", f"{value!r} is not a finite number")
    text = value.strip() if isinstance(value, str) else str(value)
    if _NEGATIVE.match(text):
        raise reason_error("amount.negative", f"{text} is negative; amounts are >= 0")
    if not _PLAIN.match(text):
        raise reason_error("amount.format", f"{text!r} is not a plain decimal number")
    places = len(text.partition(".")[2])
    if places > FRACTION_DIGITS:
        raise reason_error(
            "amount.precision",
            f"{text} has {places} decimal places; at most {FRACTION_DIGITS} (万元)",
        )
    return Decimal(text)


Amount = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    WithJsonSchema(
        {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^[0-9]+(\.[0-9]{{1,{FRACTION_DIGITS}}})?$",
            "x-fraction-digits": FRACTION_DIGITS,
            "x-minimum-inclusive": "0",
        }
    ),
]
