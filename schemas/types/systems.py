"""System ids (``schemas/data/systems.yaml``): departments and platforms named in records.

The catalogue belongs to the hub; this module only reads the ids from it, so adding a department
stays a one-line change there. A caller may pass its own ids in the validation context
(``schemas.types.context.SYSTEM_IDS``). The generated schemas give the id's form, not the list,
so they do not go stale when a department is added. :func:`shipped_credit_codes` reads each
system's own credit codes, for tools below the hub (sample records in ``adapters.testing``); the
hub itself reads and checks them through ``hub.config.system_catalogue``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, ValidationInfo, WithJsonSchema

from schemas.types.context import SYSTEM_IDS, context_option
from schemas.validation_problems import reason_error

SYSTEMS_FILE = Path(__file__).parents[1] / "data" / "systems.yaml"
SYSTEM_ID_PATTERN = "^[a-z][a-z0-9-]{1,40}$"
_SYSTEM_ID = re.compile(SYSTEM_ID_PATTERN)


def load_system_ids(path: Path = SYSTEMS_FILE) -> frozenset[str]:
    """The ids listed in a systems catalogue file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(str(entry["id"]) for entry in document["systems"])


@lru_cache(maxsize=1)
def shipped_system_ids() -> frozenset[str]:
    return load_system_ids()


@lru_cache(maxsize=1)
def shipped_credit_codes() -> dict[str, tuple[str, ...]]:
    """System id -> its own credit codes, as the shipped catalogue lists them (unchecked)."""
    document = yaml.safe_load(SYSTEMS_FILE.read_text(encoding="utf-8"))
    return {str(e["id"]): tuple(str(c) for c in e.get("credit_codes") or ()) for e in document["systems"]}


def check_system_id(value: str, info: ValidationInfo) -> str:
    if not _SYSTEM_ID.match(value):
        raise reason_error("field.pattern", f"{value!r} is not a system id (lower-case, hyphens)")
    given: Any = context_option(info, SYSTEM_IDS)
    known = shipped_system_ids() if given is None else given
    if value not in known:
        raise reason_error("system.unknown", f"{value!r} is not a system in the hub's catalogue")
    return value


SystemId = Annotated[
    str,
    AfterValidator(check_system_id),
    WithJsonSchema({"type": "string", "pattern": SYSTEM_ID_PATTERN}),
]
