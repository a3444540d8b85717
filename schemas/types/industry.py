"""GB/T 4754 industry codes: a section letter A-T, then optionally the 2-digit division, 3-digit
group or 4-digit class, each extending the one before (I, I64, I641, I6410).

Only the form is checked: which divisions belong to which section differs between editions and
is not among the reference facts this package holds.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

from schemas.validation_problems import reason_error

INDUSTRY_PATTERN = "^[A-T]([0-9]{2}([0-9]{1,2})?)?$"
_INDUSTRY = re.compile(INDUSTRY_PATTERN)


def check_industry_code(value: str) -> str:
    if not _INDUSTRY.match(value):
        raise reason_error(
            "industry.format",
            f"{value!r} is not a section letter A-T optionally followed by 2, 3 or 4 digits",
        )
    return value


IndustryCode = Annotated[
    str,
    AfterValidator(check_industry_code),
    WithJsonSchema({"type": "string", "pattern": INDUSTRY_PATTERN}),
]
