"""Values made safe for the journal's columns before they are inserted, so no value can make
an insert fail (and, through a failing batch, hold up the writer).

Contract of :func:`fit` (text bound for a ``String(n)`` column, or ``n`` None for ``Text``):

- NUL characters, which PostgreSQL text cannot hold, become U+FFFD; so do lone surrogates,
  which UTF-8 cannot encode.
- A value longer than ``n`` characters is cut and ends with the marker ``…#`` and the first
  8 hex digits of the SHA-256 of the whole (UTF-8) value, ``n`` characters in all: a reader
  sees that it was cut, and two long values that share their beginning stay distinct.
- Anything else is returned as it is (the common case costs a length check and a scan).

:func:`safe_json` does the same for JSON text bound for a JSON/JSONB column: a ``\\u0000``
escape, which JSONB refuses, becomes ``\\ufffd``.
"""

from __future__ import annotations

import hashlib
import re

#: What ends a value cut to fit its column, before the hash digits.
CUT_MARKER = "…#"
_HASH_DIGITS = 8
_REPLACEMENT = "\ufffd"
_UNSAFE = re.compile(r"[\x00\ud800-\udfff]")
# A \u0000 escape not itself escaped (an even run of backslashes before it).
_JSON_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def fit(value: str | None, limit: int | None) -> str | None:
    """``value`` made safe for a column of ``limit`` characters (None: unbounded); see above."""
    if value is None:
        return None
    if _UNSAFE.search(value) is not None:
        value = _UNSAFE.sub(_REPLACEMENT, value)
    if limit is None or len(value) <= limit:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:_HASH_DIGITS]
    tail = CUT_MARKER + digest
    return value[: max(0, limit - len(tail))] + tail[-limit:]


def safe_json(text: str) -> str:
    """JSON text with every ``\\u0000`` escape turned into ``\\ufffd`` (see module doc)."""
    if "\\u0000" not in text:
        return text
    return _JSON_NUL.sub(lambda m: m.group(1) + "\\ufffd", text)
