"""Field types for Unified Social Credit Codes.

``CreditCode`` is strict: the placeholder is refused (authorities, data sources, registered
enterprises always have a real code). ``PartyCreditCode`` also admits the placeholder
00000000000000000X; the model that uses it must enforce that only an individual business may
carry it (see ``schemas.v1.party``). A code that fails only the check character is accepted when
it is held for review (:func:`schemas.credit_code.reviewable`: on the allow-list of
non-conforming codes, or its organisation code is self-consistent); ``validate_record`` then
sends the record to review. Both types carry a ``CreditCodeMark`` so the repair step and filing
can find them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo, WithJsonSchema

from schemas.credit_code import (
    ALPHABET,
    credit_code_fault,
    reviewable,
    shipped_nonconforming_codes,
)
from schemas.types.context import NONCONFORMING_CODES, context_option
from schemas.validation_problems import reason_error


@dataclass(frozen=True)
class CreditCodeMark:
    """Annotation marker: this field holds a credit code."""

    allow_placeholder: bool


CREDIT_CODE_JSON_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 18,
    "maxLength": 18,
    "pattern": f"^[{ALPHABET}]{{18}}$",
}


def nonconforming_codes(info: ValidationInfo) -> Collection[str]:
    """The allow-list in force: the caller's (context) or the shipped one."""
    given: Collection[str] | None = context_option(info, NONCONFORMING_CODES)
    return shipped_nonconforming_codes() if given is None else given


def _strict_check(allow_placeholder: bool) -> Callable[[str, ValidationInfo], str]:
    def check(value: str, info: ValidationInfo) -> str:
        fault = credit_code_fault(value, allow_placeholder=allow_placeholder)
        if fault is None:
            return value
        if reviewable(value, nonconforming_codes(info)):
            return value
        raise reason_error(fault.code, fault.message)

    return check


CreditCode = Annotated[
    str,
    AfterValidator(_strict_check(allow_placeholder=False)),
    WithJsonSchema(CREDIT_CODE_JSON_SCHEMA),
    CreditCodeMark(allow_placeholder=False),
]
PartyCreditCode = Annotated[
    str,
    AfterValidator(_strict_check(allow_placeholder=True)),
    WithJsonSchema(CREDIT_CODE_JSON_SCHEMA),
    CreditCodeMark(allow_placeholder=True),
]
