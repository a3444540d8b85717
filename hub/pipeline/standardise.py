"""Stage 2, standardise: Received -> Standardised, or UnderReview, or a Refusal.

Decodes the body (JSON, XML or CSV by content type) and maps the source's field names into the
unified standard, then validates the record, repairing what the standard allows to be repaired.
A body that cannot be decoded or a record that fails validation is refused; a record whose
problems need the legal-entity library or a person (a credit code that fails only its check
character and is allow-listed, or has a self-consistent organisation code) goes to review. The ``standardised`` hop is left on every record that got
through validation, valid or for review.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import schemas
from hub.pipeline.forms import (
    Received,
    Refusal,
    Repair,
    Stamp,
    Standardised,
    UnderReview,
)
from schemas.contract.states import EventKind
from transforms import MappingCatalogue, TransformError, decode_record


def standardise(
    received: Received,
    stamp: Stamp,
    mappings: MappingCatalogue,
    nonconforming_codes: Collection[str] | None,
) -> Standardised | UnderReview | Refusal:
    """``received``'s record in the unified standard. A refusal after decoding carries the
    validator's problems and repairs (no credit code); ``nonconforming_codes`` as for
    :func:`schemas.validate_record` (None: the shipped allow-list)."""
    identity = received.input
    try:
        data = decode_record(
            identity.message.body,
            identity.message.content_type,
            source=identity.source,
            record_type=identity.record_type,
            list_paths=schemas.list_paths(identity.record_type),
            catalogue=mappings,
        )
    except TransformError as e:
        return Refusal(identity, received.hops, (e.as_problem(),))
    verdict = schemas.validate_record(
        identity.record_type,
        data,
        schema_version=identity.schema_version,
        nonconforming_codes=nonconforming_codes,
    )
    problems = tuple(verdict.problems)
    repairs = tuple(_repair(r) for r in verdict.repairs)
    if verdict.status == "rejected" or verdict.record is None:
        return Refusal(identity, received.hops, problems, repairs)
    hops = (*received.hops, stamp.hop(EventKind.STANDARDISED, f"{verdict.status}; {len(repairs)} repairs"))
    form = UnderReview if verdict.status == "review" else Standardised
    return form(identity, hops, verdict.record, verdict.credit_code, problems, repairs)


def _repair(repair: Any) -> Repair:
    return {
        "code": repair.code,
        "path": repair.path,
        "original": repair.original,
        "repaired": repair.repaired,
    }
