"""The strict check of a Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

The check never changes its input: a lower-case or full-width code fails here. Cleaning up such
codes is ``repair_credit_code``'s job, which the caller runs (and logs) beforehand.

Layout: position 1 registration authority, 2 organisation type, 3-8 the GB/T 2260 division of the
issuing office (fixed at issue, so it is not checked against anything), 9-17 the GB 11714
organisation code, 18 the check character.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The 31 characters a code may use; a character's value is its index. No I, O, S, V or Z.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weight of positions 1-17: 3^(i-1) mod 31.
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
LENGTH = 18
#: Stands in for the code of an individual business (个体工商户) that has none.
PLACEHOLDER = "00000000000000000X"
MASK_CHARACTER = "*"

_VALUES = {character: value for value, character in enumerate(ALPHABET)}
# GB 11714 organisation-code check: digits are 0-9, letters A-Z are 10-35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {c: v for v, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def check_character(first17: str) -> str:
    """The check character for 17 characters of the alphabet (ValueError otherwise)."""
    if len(first17) != LENGTH - 1 or any(c not in _VALUES for c in first17):
        raise ValueError(f"need 17 characters of {ALPHABET!r}, got {first17!r}")
    total = sum(_VALUES[c] * weight for c, weight in zip(first17, WEIGHTS, strict=True))
    # 31 - (sum mod 31), where a result of 31 stands for 0.
    return ALPHABET[(31 - total % 31) % 31]


def organisation_code_consistent(code: str) -> bool:
    """Whether positions 9-17 pass the GB 11714 organisation-code check.

    A second signal only: it never makes a code valid, but a code that fails the main check while
    its organisation-code part is self-consistent looks like a real code issued with a wrong
    check character rather than a typing slip, so it is held for review instead of rejected
    (:mod:`schemas.credit_code.review`).
    """
    part = code[8:17]
    if len(part) != 9 or any(c not in _ORG_VALUES for c in part[:8]):
        return False
    total = sum(_ORG_VALUES[c] * w for c, w in zip(part[:8], _ORG_WEIGHTS, strict=True))
    remainder = 11 - total % 11
    expected = {10: "X", 11: "0"}.get(remainder, str(remainder))
    return part[8] == expected


@dataclass(frozen=True)
class CreditCodeFault:
    """Why a credit code fails the strict check: a reason code and a message for people."""

    code: str
    message: str


def check_credit_code(code: str, *, allow_placeholder: bool = False) -> str | None:
    """The reason code of ``code``'s first fault (see ``credit_code_fault``), or None if valid."""
    fault = credit_code_fault(code, allow_placeholder=allow_placeholder)
    return None if fault is None else fault.code


def credit_code_fault(value: str, *, allow_placeholder: bool = False) -> CreditCodeFault | None:
    """The first fault of ``value`` as a Unified Social Credit Code, or None when it is valid.

    Checked in this order, so the most useful reason is reported: masked, length, characters,
    placeholder, check character. The placeholder is valid only with ``allow_placeholder``.
    """
    if MASK_CHARACTER in value:
        return CreditCodeFault("credit_code.masked", f"{value!r} is masked and cannot be a key")
    if len(value) != LENGTH:
        return CreditCodeFault(
            "credit_code.length",
            f"a credit code has {LENGTH} characters, {value!r} has {len(value)}",
        )
    bad = sorted({c for c in value if c not in _VALUES})
    if bad:
        return CreditCodeFault(
            "credit_code.charset",
            f"{value!r} contains {''.join(bad)!r}; allowed are {ALPHABET} (upper case only)",
        )
    if value == PLACEHOLDER:
        if allow_placeholder:
            return None
        return CreditCodeFault(
            "credit_code.placeholder_not_allowed",
            f"the placeholder {PLACEHOLDER} is allowed only for an individual business (个体工商户)",
        )
    expected = check_character(value[:17])
    if value[17] != expected:
        signal = (
            "its organisation-code part is self-consistent"
            if organisation_code_consistent(value)
            else "its organisation-code part fails its own check too"
        )
        return CreditCodeFault(
            "credit_code.checksum",
            f"{value!r} should end in {expected!r} by its check character; {signal}",
        )
    return None
