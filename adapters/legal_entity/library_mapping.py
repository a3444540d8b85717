"""A legal-entity library change (its own layout) -> an ``enterprise_registration`` record.

The mapping moves fields and normalises forms (dates, the scope text split into items); it
does not judge values. A record missing what the standard requires (a name, a date for its
event) is published all the same, and the hub's validation quarantines it with the standard's
reason and sends feedback to the library: bad data is reported, never silently repaired.
Only a change the standard cannot express (an unknown ``CHANGE_TYPE``, ``ALTITEMS`` that is
not a list) is refused here, with :class:`~adapters.rest.pull.ItemRefused`.
"""

from __future__ import annotations

from typing import Any

from adapters.legal_entity import layout
from adapters.rest.pull import ItemRefused
from adapters.sdk import RecordProblem

#: Library field -> unified field, for plain text fields.
TEXT_FIELDS: dict[str, str] = {
    "UNISCID": "credit_code",
    "ENTNAME": "name",
    "REGNO": "registration_number",
    "ENTTYPE_CN": "enterprise_type",
    "LEREP": "legal_representative",
    "REGCAP": "registered_capital",
    "DOM": "address",
    "DOMDISTRICT": "division_code",
    "REGORG_CN": "registration_authority",
}
#: Library field -> unified field, for dates.
DATE_FIELDS: dict[str, str] = {
    "ESTDATE": "registration_date",
    "ALTDATE": "change_date",
    "CANDATE": "deregistration_date",
}


def to_registration(change: dict[str, Any]) -> dict[str, Any]:
    """The unified ``enterprise_registration`` record for one library change."""
    code = change.get(layout.CHANGE_TYPE)
    event = layout.CHANGE_TYPES.get(str(code)) if code is not None else None
    if event is None:
        known = ", ".join(f"{k} ({v})" for k, v in layout.CHANGE_TYPES.items())
        raise ItemRefused(RecordProblem(
            "adapter.unsupported", f"CHANGE_TYPE {code!r} is not one of {known}",
            layout.CHANGE_TYPE,
        ))
    record: dict[str, Any] = {"event": event}
    for source, target in TEXT_FIELDS.items():
        if (value := _value(change.get(source))) is not None:
            record[target] = value
    for source, target in DATE_FIELDS.items():
        if (value := _value(change.get(source))) is not None:
            record[target] = layout.normalise_date(value) if isinstance(value, str) else value
    if (industry := _value(change.get("INDUSTRYCO"))) is not None:
        record["industry"] = {"code": industry, "edition": _value(change.get("INDUSTRY_EDITION"))}
    if (scope := _value(change.get("OPSCOPE"))) is not None:
        if isinstance(scope, str):
            licensed, general = layout.parse_scope(scope)
            scope = {"licensed_items": licensed or None, "general_items": general or None}
        record["business_scope"] = scope
    if (changes := _changes(change.get("ALTITEMS"))) is not None:
        record["changes"] = changes
    return record


def _changes(value: Any) -> list[dict[str, Any]] | None:
    if value in (None, []):
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ItemRefused(RecordProblem(
            "adapter.row_invalid", "ALTITEMS must be a list of {ALTITEM, ALTBE, ALTAF} objects",
            "ALTITEMS",
        ))
    return [
        {"item": _value(v.get("ALTITEM")), "before": _value(v.get("ALTBE")),
         "after": _value(v.get("ALTAF"))}
        for v in value
    ]


def _value(value: Any) -> Any:
    """Text stripped (None when blank), numbers as written; anything else (null, a list, an
    object) as it is, for the standard to report rather than for the field to vanish."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value
