"""The one entry point that checks a record against the unified standard.

``validate_record`` never raises on bad data: whatever arrives, it returns a ``Verdict``.
Order of work: look up the model (unknown version or type -> rejected); repair credit codes (each
repair logged); validate strictly; keep a record whose only fault is a credit code held for
review (:func:`schemas.credit_code.review_reason`: allow-listed, or with a self-consistent
organisation code), for review by the legal-entity library.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError

from schemas.credit_code import (
    credit_code_fault,
    review_reason,
    reviewable,
    shipped_nonconforming_codes,
)
from schemas.paths import credit_code_values, list_paths_of
from schemas.reasons import (
    BODY_NOT_AN_OBJECT,
    RECORD_TYPE_UNKNOWN,
    SCHEMA_VERSION_UNKNOWN,
)
from schemas.record_registry import UnknownRecordType, UnknownSchemaVersion, model_for
from schemas.record_types import SCHEMA_VERSION
from schemas.repairs import repair_credit_codes
from schemas.types.context import NONCONFORMING_CODES, SYSTEM_IDS
from schemas.validation_problems import problems_from
from schemas.verdict import Problem, Repair, Verdict


def validate_record(
    record_type: str,
    data: Any,
    *,
    schema_version: str = SCHEMA_VERSION,
    nonconforming_codes: Collection[str] | None = None,
    system_ids: Collection[str] | None = None,
) -> Verdict:
    """Check ``data`` as a ``record_type`` record of ``schema_version``.

    ``nonconforming_codes`` and ``system_ids`` replace the shipped allow-list and system
    catalogue for this call (None: use the shipped ones). Status: "rejected" when any problem
    remains; else "review" when a credit code fails only its check character and is held for
    review (problem ``credit_code.nonconforming`` when allow-listed, ``credit_code.suspect``
    when its organisation code is self-consistent); else "repaired" when a credit code was
    repaired; else "valid".
    """
    try:
        model = model_for(record_type, schema_version)
    except UnknownSchemaVersion as e:
        return _rejected(SCHEMA_VERSION_UNKNOWN, str(e))
    except UnknownRecordType as e:
        return _rejected(RECORD_TYPE_UNKNOWN, str(e))
    if not isinstance(data, Mapping):
        kind = type(data).__name__
        return _rejected(BODY_NOT_AN_OBJECT, f"a record is a JSON object, not {kind}")

    allowed = shipped_nonconforming_codes() if nonconforming_codes is None else nonconforming_codes
    repaired, repairs = repair_credit_codes(model, dict(data))
    context = {NONCONFORMING_CODES: allowed, SYSTEM_IDS: system_ids}
    try:
        instance = model.model_validate(repaired, context=context)
    except ValidationError as e:
        return Verdict(
            status="rejected",
            record=None,
            problems=tuple(problems_from(e)),
            repairs=tuple(repairs),
            credit_code=_filing_code(model.FILING_PATH, repaired, allowed),
        )
    record = instance.model_dump(mode="json", exclude_none=True)
    review = [
        Problem(reason.code, path, reason.message)
        for path, value in credit_code_values(model, record)
        if isinstance(value, str) and (reason := review_reason(value, allowed)) is not None
    ]
    return Verdict(
        status="review" if review else "repaired" if repairs else "valid",
        record=record,
        problems=tuple(review),
        repairs=tuple(repairs),
        credit_code=_filing_code(model.FILING_PATH, record, allowed),
    )


def list_paths(record_type: str, version: str = SCHEMA_VERSION) -> frozenset[str]:
    """Dotted paths of the list-valued fields of a record type, nested ones included.

    The XML form repeats an element per item, so the XML converter needs these to know which
    elements make a list even when only one item is present. Raises ``LookupError`` for an
    unknown record type or version.
    """
    return list_paths_of(model_for(record_type, version))


def filing_code(
    record_type: str,
    record: Mapping[str, Any],
    *,
    version: str = SCHEMA_VERSION,
    nonconforming_codes: Collection[str] | None = None,
) -> str | None:
    """The Unified Social Credit Code ``record`` is filed under (一户一档), or None.

    None when the record has no code at its filing path (natural persons), when the code is the
    individual-business placeholder, or when the code is not valid. A code held for review
    (allow-listed, or with a self-consistent organisation code) counts as valid: a record under
    review is filed under it, and delivered so once the legal-entity library confirms it. Raises
    ``LookupError`` for an unknown record type or version.
    """
    allowed = shipped_nonconforming_codes() if nonconforming_codes is None else nonconforming_codes
    return _filing_code(model_for(record_type, version).FILING_PATH, record, allowed)


def _filing_code(
    path: str | None, record: Mapping[str, Any], allowed: Collection[str]
) -> str | None:
    value: Any = record
    for part in (path or "").split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if not isinstance(value, str) or not path:
        return None
    if credit_code_fault(value) is None or reviewable(value, allowed):
        return value
    return None


def _rejected(code: str, message: str) -> Verdict:
    return Verdict(status="rejected", record=None, problems=(Problem(code, "", message),))


# Re-exported for callers that build their own verdicts.
__all__ = ["Problem", "Repair", "Verdict", "filing_code", "list_paths", "validate_record"]
