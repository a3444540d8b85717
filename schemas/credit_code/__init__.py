"""Unified Social Credit Code: strict check, repair, the allow-list of non-conforming codes and
which check-character failures are held for review."""

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
from schemas.credit_code.review import review_reason, reviewable

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
    "review_reason",
    "reviewable",
    "shipped_nonconforming_codes",
]
