"""The allow-list of legally issued codes that fail the check character.

Read from ``schemas/data/nonconforming_credit_codes.yaml``. Each entry is either a code or a
mapping with ``code`` and a ``note`` saying who confirmed it. An entry that is malformed, or that
actually passes the check (so does not belong here), stops loading with ``ValueError``: a wrong
allow-list must not silently let codes through.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from schemas.credit_code.check import credit_code_fault

NONCONFORMING_FILE = Path(__file__).parents[1] / "data" / "nonconforming_credit_codes.yaml"


def load_nonconforming_codes(path: Path = NONCONFORMING_FILE) -> frozenset[str]:
    """Read an allow-list file; see the module docstring for its form."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = document.get("codes") or []
    codes: set[str] = set()
    for entry in entries:
        code = entry.get("code") if isinstance(entry, dict) else entry
        if not isinstance(code, str):
            # A data-file error like the others below, not a caller's type error.
            raise ValueError(f"{path}: entry {entry!r} has no code text")  # noqa: TRY004
        fault = credit_code_fault(code)
        if fault is None or fault.code != "credit_code.checksum":
            reason = "passes the check" if fault is None else fault.message
            raise ValueError(f"{path}: {code!r} does not belong on the allow-list: {reason}")
        codes.add(code)
    return frozenset(codes)


@lru_cache(maxsize=1)
def shipped_nonconforming_codes() -> frozenset[str]:
    """The allow-list shipped with the package (read once)."""
    return load_nonconforming_codes()
