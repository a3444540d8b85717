"""The standard's reason table: the pydantic translations, repairs and custom validator errors
use its codes. That every code the source emits is registered is checked once for all packages
in tests/hub/pipeline/test_reason_registry.py."""

from __future__ import annotations

import pytest

from schemas import REASON_CODES, REPAIR_CODES, repair_credit_code
from schemas.validation_problems import (
    FALLBACK_CODE,
    PYDANTIC_ERROR_CODES,
    reason_error,
)


def test_pydantic_error_translations_and_fallback_are_in_the_table() -> None:
    assert set(PYDANTIC_ERROR_CODES.values()) | {FALLBACK_CODE} <= set(REASON_CODES)


def test_repair_kinds_are_documented_repair_codes() -> None:
    _, kinds = repair_credit_code(" ９１３１０１１２-０８７９９４９３２ｆ")
    assert set(kinds) <= REPAIR_CODES <= set(REASON_CODES)


def test_raising_an_undocumented_code_is_a_programming_error() -> None:
    with pytest.raises(LookupError, match="made.up"):
        reason_error("made.up", "x")
