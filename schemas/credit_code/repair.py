"""Cleaning a credit code as real data writes it into the form the standard requires.

Separate from the strict check on purpose: the hub repairs only where it is told to, and each
repair is reported back to the source as a data-quality problem.
"""

from __future__ import annotations

import unicodedata

# Characters that are blank without counting as whitespace for str.isspace().
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
_HYPHENS = {"-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212", "\ufe63", "\uff0d"}


def repair_credit_code(raw: str) -> tuple[str, list[str]]:
    """Return the repaired code and the repair kinds applied (reason codes, in order).

    Steps: remove blanks (spaces, NBSP, ideographic space, zero-width characters) ->
    ``repair.whitespace_removed``; remove hyphens and dashes (half- and full-width) ->
    ``repair.hyphen_removed``; NFKC, which turns full-width letters and digits into half-width ->
    ``repair.full_width_to_half_width``; upper-case -> ``repair.upper_cased``. A step that changes
    nothing is not listed, so a clean code comes back unchanged with an empty list. The result is
    not checked: it goes through the strict check like any other code.
    """
    kinds: list[str] = []
    text = "".join(c for c in raw if not (c.isspace() or c in _INVISIBLE))
    if text != raw:
        kinds.append("repair.whitespace_removed")
    step = "".join(c for c in text if c not in _HYPHENS)
    if step != text:
        kinds.append("repair.hyphen_removed")
    text = step
    step = unicodedata.normalize("NFKC", text)
    if step != text:
        kinds.append("repair.full_width_to_half_width")
    text = step
    step = text.upper()
    if step != text:
        kinds.append("repair.upper_cased")
    return step, kinds
