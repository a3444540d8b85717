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
    """``text`` with everything shaped like a resident ID number masked: six digits, a birth
    date from 1800 on, three digits and a check character, standing alone. The check character
    is not required to hold: a mistyped number is still somebody's. A credit code keeps its
    shape (letters, or no date where the birth date would be) and is left alone.

    The net under everything that prints: a log line, an error message quoting an input, a
    body that could not be parsed. Names in free text cannot be found this way; views that show
    a body withhold it instead (:mod:`schemas.personal.disclosure`).
    """
    if not any(ch.isdigit() for ch in text):
        return text

    return _RESIDENT_ID.sub(lambda match: mask_id_number(match.group(0)), text)
