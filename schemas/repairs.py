"""The logged repair of credit codes that runs before strict validation.

Only credit-code fields are touched, and only in the ways ``repair_credit_code`` lists. Every
change is returned as a ``Repair`` so that it is reported back to the source: a repaired record is
accepted, but the source still learns its data was not in the standard's form.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from schemas.credit_code import repair_credit_code
from schemas.paths import fields_of
from schemas.verdict import Repair


def repair_credit_codes(
    model: type[BaseModel], data: dict[str, Any]
) -> tuple[dict[str, Any], list[Repair]]:
    """A copy of ``data`` with every credit-code field repaired, and the repairs made.

    The input is not modified. A code that is blank after repair is removed
    (``repair.blank_removed``) so that it counts as absent, which is what a source sending "" or
    " " means.
    """
    repairs: list[Repair] = []
    return _repair(model, data, "", repairs), repairs


def _repair(
    model: type[BaseModel], data: dict[str, Any], prefix: str, repairs: list[Repair]
) -> dict[str, Any]:
    out = dict(data)
    for spot in fields_of(model, prefix):
        value = out.get(spot.name)
        if spot.credit_code is not None and isinstance(value, str):
            fixed, kinds = repair_credit_code(value)
            if not fixed:
                del out[spot.name]
                kinds.append("repair.blank_removed")
            else:
                out[spot.name] = fixed
            repairs.extend(Repair(kind, spot.path, value, fixed) for kind in kinds)
        elif spot.block is not None and spot.is_list and isinstance(value, list):
            out[spot.name] = [
                _repair(spot.block, item, f"{spot.path}.{index}.", repairs)
                if isinstance(item, dict)
                else item
                for index, item in enumerate(value)
            ]
        elif spot.block is not None and isinstance(value, dict):
            out[spot.name] = _repair(spot.block, value, f"{spot.path}.", repairs)
    return out
