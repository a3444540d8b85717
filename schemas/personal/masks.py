"""Masks for personal values, and a net for identity numbers in free text.

An identity number is masked the way published decisions (双公示) mask it: the birth-date digits
hidden, the division code and the last digits kept, so a reader can still tell two people apart
without learning who they are: ``310112********123X`` (18-character resident ID, GB 11643),
``310112******123`` (the older 15-digit form). Other documents (passport, permits) carry no
birth date; all but their last four characters are hidden. A name keeps its first character
(``张**``): the form the district's screens already use for a person named in a notice.
"""

from __future__ import annotations

import re

from schemas.types.personal_marks import PersonalKind

MASK = "*"

_RESIDENT_ID = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{5})((?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))"
    r"(\d{3}[0-9Xx])(?![0-9A-Za-z])"
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id_check_holds(number: str) -> bool:
    """Whether an 18-character resident ID number's last character is its GB 11643 check."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(number, _WEIGHTS, strict=False))
    return _CHECK[total % 11] == number[17].upper()


def mask_id_number(value: str) -> str:
    """``value`` with the birth-date digits (resident IDs) or all but the last four hidden."""
    if len(value) == 18 and value[:17].isdigit():
        return value[:6] + MASK * 8 + value[14:]
    if len(value) == 15 and value.isdigit():
        return value[:6] + MASK * 6 + value[12:]
    keep = 4 if len(value) > 4 else 0
    return MASK * (len(value) - keep) + value[len(value) - keep:]


def mask_name(value: str) -> str:
    """A person's name with all but its first character hidden."""
    return value[:1] + MASK * (len(value) - 1) if len(value) > 1 else MASK


def mask(kind: PersonalKind, value: str) -> str:
    """``value`` masked for its kind."""
    return mask_id_number(value) if kind is PersonalKind.ID_NUMBER else mask_name(value)


def mask_id_numbers_in_text(text: str) -> str:
    """``text`` with every resident ID number in it (check character holding) masked.

    The net under everything that prints: a log line, an error message quoting an input, a
    body that could not be parsed. Names in free text cannot be found this way; views that show
    a body withhold it instead (:mod:`schemas.personal.disclosure`).
    """
    if not any(ch.isdigit() for ch in text):
        return text

    def hide(match: re.Match[str]) -> str:
        number = match.group(0)
        return mask_id_number(number) if resident_id_check_holds(number) else number

    return _RESIDENT_ID.sub(hide, text)
