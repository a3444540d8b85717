"""Which codes failing the check character are held for review instead of rejected.

A code whose only fault is its check character (``credit_code.checksum``) may still be a real
code: some registries issued codes with a wrong check character. Two signs say so:

- it is on the allow-list of codes the legal-entity library has confirmed
  (``credit_code.nonconforming``);
- its embedded GB 11714 organisation code (positions 9-17) passes its own check, which a typing
  slip rarely leaves intact (``credit_code.suspect``).

Either way the record is kept, held for review and verified with the legal-entity library, which
rejects a code it does not know (``credit_code.unverified``). Any other fault, or a
check-character failure with neither sign, is rejected as before.
"""

from __future__ import annotations

from collections.abc import Collection

from schemas.credit_code.check import (
    CreditCodeFault,
    credit_code_fault,
    organisation_code_consistent,
)
from schemas.reasons import CREDIT_CODE_NONCONFORMING, CREDIT_CODE_SUSPECT

_LIBRARY_DECIDES = "held for review: the legal-entity library decides"


def review_reason(code: str, allowed: Collection[str]) -> CreditCodeFault | None:
    """Why ``code`` is held for review (reason code and message), or None when it is not.

    ``credit_code.nonconforming`` when its only fault is the check character and it is in
    ``allowed`` (the allow-list); else ``credit_code.suspect`` when its only fault is the check
    character and its organisation code is self-consistent; None for a valid code and for every
    code to be rejected. The placeholder is never held for review.
    """
    fault = credit_code_fault(code)
    if fault is None or fault.code != "credit_code.checksum":
        return None
    if code in allowed:
        return CreditCodeFault(
            CREDIT_CODE_NONCONFORMING,
            f"{code} fails the check character but is on the allow-list of legally issued "
            f"codes; {_LIBRARY_DECIDES}",
        )
    if organisation_code_consistent(code):
        return CreditCodeFault(
            CREDIT_CODE_SUSPECT,
            f"{code} fails the check character but its GB 11714 organisation code is "
            "self-consistent, as in codes some registries issued with a wrong check character; "
            f"{_LIBRARY_DECIDES}",
        )
    return None


def reviewable(code: str, allowed: Collection[str]) -> bool:
    """Whether ``code`` is held for review rather than rejected (see :func:`review_reason`)."""
    return review_reason(code, allowed) is not None
