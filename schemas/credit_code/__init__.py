"""Unified Social Credit Code: strict check, repair and the allow-list of non-conforming codes."""

from schemas.credit_code.allowlist import (
    NONCONFORMING_FILE,
    load_nonconforming_codes,
    shipped_nonconforming_codes,
)
from schemas.credit_code.check import (
    ALPHABET,
    PLACEHOLDER,
    WEIGHTS,
    CreditCodeFault,
    check_character,
    check_credit_code,
    credit_code_fault,
    organisation_code_consistent,
)
from schemas.credit_code.repair import repair_credit_code

__all__ = [
    "ALPHABET",
    "NONCONFORMING_FILE",
    "PLACEHOLDER",
    "WEIGHTS",
    "CreditCodeFault",
    "check_character",
    "check_credit_code",
    "credit_code_fault",
    "load_nonconforming_codes",
    "organisation_code_consistent",
    "repair_credit_code",
    "shipped_nonconforming_codes",
]
