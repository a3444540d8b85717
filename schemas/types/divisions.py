"""GB/T 2260 administrative division codes (data: ``schemas/data/divisions.yaml``).

Policy: a Shanghai code (prefix 31) must be a current district, the city (310000) or an abolished
code that still appears in older data; any other code is accepted when it is six digits under a
known province-level prefix. The hub serves a Shanghai district, so it can keep Shanghai's list
exact, but it cannot keep the national list current and records about entities elsewhere arrive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import AfterValidator, WithJsonSchema

from schemas.validation_problems import reason_error

DIVISIONS_FILE = Path(__file__).parents[1] / "data" / "divisions.yaml"
SHANGHAI_PREFIX = "31"
_SIX_DIGITS = re.compile(r"^[0-9]{6}$")


@dataclass(frozen=True)
class DivisionCodes:
    """The division data: Shanghai codes (current and abolished) and province prefixes."""

    shanghai: frozenset[str]
    province_prefixes: frozenset[str]


def load_divisions(path: Path = DIVISIONS_FILE) -> DivisionCodes:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    shanghai = {**document["shanghai"], **document.get("shanghai_abolished", {})}
    return DivisionCodes(
        shanghai=frozenset(str(code) for code in shanghai),
        province_prefixes=frozenset(str(p) for p in document["province_prefixes"]),
    )


@lru_cache(maxsize=1)
def shipped_divisions() -> DivisionCodes:
    return load_divisions()


def check_division_code(value: str) -> str:
    """``value`` if it is an acceptable division code; reason-coded errors otherwise."""
    if not _SIX_DIGITS.match(value):
        raise reason_error("division.format", f"{value!r} is not a six-digit GB/T 2260 code")
    divisions = shipped_divisions()
    if value.startswith(SHANGHAI_PREFIX):
        if value not in divisions.shanghai:
            raise reason_error("division.unknown", f"{value} is not a known Shanghai division")
    elif value[:2] not in divisions.province_prefixes:
        raise reason_error("division.unknown", f"{value} lies under no province-level division")
    return value


DivisionCode = Annotated[
    str,
    AfterValidator(check_division_code),
    WithJsonSchema({"type": "string", "pattern": "^[0-9]{6}$"}),
]
