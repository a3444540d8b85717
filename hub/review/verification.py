"""The library's verdict on one record under review: verified, not verified, or not for it.

:func:`verify` looks up every code of the record that fails the check character
(:func:`hub.review.names.codes_under_review`) and returns:

- :class:`Verified` when the library knows every one of them, registers each to the name the
  record gives its holder and none of them as ended (注销, 吊销, 撤销): the entities found, and
  a ``credit_code.verified`` note per code for the source's feedback;
- :class:`Unverified` otherwise: a ``credit_code.unverified`` problem per code that failed, saying
  why (unknown to the library, another name, registration ended).

The library is asked through the SDK's :class:`~adapters.sdk.EntityLookup` port (whatever
adapter the host built behind it). :func:`verify` raises :class:`Undecidable` when the library
cannot settle the record (no code under review, or a code whose holder the record does not
name), and lets the lookup's
:class:`~schemas.contract.errors.TransientError` (library away: ask later) and
:class:`~schemas.contract.errors.PermanentError` (lookup refused or misconfigured) through. Names are checked
before anything is looked up, so an undecidable record costs no request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from adapters.sdk import EntityLookup, LegalEntity
from hub.review.names import (
    CodeUnderReview,
    codes_under_review,
    registration_ended,
    same_name,
)
from schemas.contract.envelope import Envelope, RegisteredEntity
from schemas.contract.errors import PermanentError
from schemas.contract.problems import REVIEW_UNDECIDABLE, Problem
from schemas.reasons import CREDIT_CODE_UNVERIFIED, CREDIT_CODE_VERIFIED


class Undecidable(PermanentError):
    """The library cannot settle this record; people must (reason ``review.undecidable``).

    Permanent: asking the library again cannot settle it. The verifier catches it before any
    other :class:`PermanentError` and hands the record to review with :attr:`code`.
    """

    code = REVIEW_UNDECIDABLE


@dataclass(frozen=True)
class Verified:
    """Every code under review confirmed: the entities, and one note per code."""

    entities: tuple[RegisteredEntity, ...]
    notes: tuple[Problem, ...]


@dataclass(frozen=True)
class Unverified:
    """At least one code not confirmed: one ``credit_code.unverified`` problem per such code."""

    problems: tuple[Problem, ...]


def verify(envelope: Envelope, lookup: EntityLookup, now: datetime) -> Verified | Unverified:
    """The library's verdict on ``envelope``'s codes under review (see the module doc)."""
    try:
        codes = codes_under_review(envelope.record_type, envelope.schema_version, envelope.payload)
    except LookupError as e:
        raise Undecidable(f"the standard has no {envelope.record_type} "
                          f"version {envelope.schema_version}: {e}") from e
    if not codes:
        raise Undecidable("the record has no credit code failing the check character")
    unnamed = [c for c in codes if c.name is None]
    if unnamed:
        raise Undecidable("; ".join(f"{c.credit_code} ({c.path}): the record does not name its "
                                    "holder, so the registered name cannot be compared"
                                    for c in unnamed))
    entities: list[RegisteredEntity] = []
    notes: list[Problem] = []
    problems: list[Problem] = []
    for code in codes:
        entity = lookup.lookup(code.credit_code)
        why = _refusal(code, entity)
        if why is not None or entity is None:
            problems.append(Problem(CREDIT_CODE_UNVERIFIED, code.path, why or ""))
            continue
        entities.append(RegisteredEntity(
            path=code.path, credit_code=code.credit_code, name=entity.name,
            registration_authority=entity.registration_authority, status=entity.status,
            verified_at=now,
        ))
        notes.append(Problem(CREDIT_CODE_VERIFIED, code.path, _confirmation(code, entity)))
    if problems:
        return Unverified(tuple(problems))
    return Verified(tuple(entities), tuple(notes))


def _refusal(code: CodeUnderReview, entity: LegalEntity | None) -> str | None:
    """Why the library's answer does not confirm ``code``; None when it does."""
    if entity is None:
        return f"{code.credit_code} is not registered in the legal-entity library"
    if entity.credit_code != code.credit_code:
        return f"the legal-entity library answered for {entity.credit_code}, not {code.credit_code}"
    if not same_name(entity.name, code.name or ""):
        return (f"{code.credit_code} is registered to {entity.name}, not to the "
                f"{code.name} the record names")
    if registration_ended(entity.status):
        return (f"{code.credit_code} ({entity.name}) has registration status {entity.status}: "
                "the registration has ended")
    return None


def _confirmation(code: CodeUnderReview, entity: LegalEntity) -> str:
    authority = entity.registration_authority or "an authority the library does not name"
    status = entity.status or "not given"
    return (f"{code.credit_code} fails the check character but the legal-entity library "
            f"confirms it: registered to {entity.name} by {authority}, status {status}")
