"""The reason codes of the unified data standard: validation problems and repairs.

Codes are dotted, lower-case and stable: sources build their error handling on them, so a code
is never renamed or reused for another meaning; a new situation gets a new code.

This is the standard's contribution to the one reason registry (see
:mod:`schemas.contract.reasons`); the codes of other stages (XML and JSON parsing, mapping,
routing, adapters, the hub) are owned by their packages, and ``hub.pipeline.reasons`` merges
every table, so a department reading feedback finds every code explained in ``docs/reasons.md``.
``body.not_an_object`` is the standard's although transforms and routes report it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from schemas.contract.reasons import Reason, table

_FIELD = {
    "field.missing": "A mandatory field, or one the record's other fields make mandatory, is "
    "absent or null.",
    "field.unknown": "The record has a field the standard does not define.",
    "field.too_long": "The text is longer than the field's declared maximum length.",
    "field.too_short": "The text or list is shorter than allowed (an empty mandatory text, or an "
    "empty list that needs at least one item).",
    "field.type": "The value has the wrong JSON type (for example a number where text or an "
    "object is expected).",
    "field.pattern": "The text does not have the field's declared form.",
    "field.invalid": "The value is not acceptable for a reason without a more specific code; "
    "the message says why.",
    "enum.unknown": "The value is not in the field's code list.",
    "system.unknown": "The value is not the id of a system in the hub's catalogue.",
}

_DATES_AMOUNTS = {
    "date.format": "A date is not written YYYY-MM-DD or YYYY/MM/DD.",
    "date.invalid": "A date is written correctly but does not exist (for example 2023-02-30).",
    "date.order": "A date lies before the date it must follow (for example valid_to before "
    "valid_from).",
    "datetime.format": "A timestamp is not an ISO 8601 date and time.",
    "amount.format": "An amount in 万元 is not a plain decimal number.",
    "amount.negative": "An amount in 万元 is negative.",
    "amount.precision": "An amount in 万元 has more than 6 decimal places.",
    "division.format": "A GB/T 2260 division code is not six digits.",
    "division.unknown": "A division code is not a known Shanghai code, or lies under no "
    "province-level division.",
    "industry.format": "A GB/T 4754 industry code is not a section letter A-T optionally "
    "followed by a 2-, 3- or 4-digit division, group or class.",
}

_CREDIT_CODE = {
    "credit_code.length": "A Unified Social Credit Code is not exactly 18 characters.",
    "credit_code.charset": "A Unified Social Credit Code has a character outside "
    "0-9 and A-Z without I, O, S, V, Z (lower case counts as outside).",
    "credit_code.checksum": "A Unified Social Credit Code's check character (position 18) does "
    "not match positions 1-17.",
    "credit_code.masked": "A Unified Social Credit Code is masked with '*'; masked codes are "
    "never keys.",
    "credit_code.placeholder_not_allowed": "The placeholder 00000000000000000X is used where it "
    "is not allowed (only the code of an individual business, 个体工商户, may be the placeholder).",
    "credit_code.nonconforming": "The code fails the check character but is on the allow-list "
    "of legally issued non-conforming codes; the record is kept and sent to review.",
    "credit_code.suspect": "The code fails the check character while its GB 11714 organisation "
    "code (positions 9-17) is self-consistent: the signature of real codes some registries "
    "issued with a wrong check character. The record is held for review and verified with the "
    "legal-entity library; a code the library does not know is rejected with feedback "
    "credit_code.unverified.",
    "credit_code.unverified": "A code under review (credit_code.nonconforming or "
    "credit_code.suspect) was not confirmed by the legal-entity library: the library does not "
    "know it, registers it under another name than the record gives, or registers the entity "
    "as deregistered or revoked (注销, 吊销, 撤销). The record is quarantined.",
    "credit_code.verified": "Not a problem: a code under review was confirmed by the "
    "legal-entity library (known, registered under the name the record gives, neither "
    "deregistered nor revoked) and the record was delivered; sent with feedback status accepted.",
}

_RECORD = {
    "record_type.unknown": "The record type is not one of the standard's record types.",
    "schema_version.unknown": "The schema version is not one this hub implements.",
    "body.not_an_object": "The record is not a JSON object (mapping of field names to values).",
}

_REPAIRS = {
    "repair.whitespace_removed": "Spaces, non-breaking spaces or other blank characters were "
    "removed from a credit code.",
    "repair.hyphen_removed": "Hyphens or dashes were removed from a credit code.",
    "repair.full_width_to_half_width": "Full-width characters in a credit code were converted "
    "to half-width (Unicode NFKC).",
    "repair.upper_cased": "Lower-case letters in a credit code were upper-cased.",
    "repair.blank_removed": "A credit code that was blank was treated as absent.",
}

#: The standard's reasons, as the registry takes them.
SCHEMAS_REASONS: tuple[Reason, ...] = (
    table({**_FIELD, **_DATES_AMOUNTS, **_RECORD})
    + table({k: v for k, v in _CREDIT_CODE.items() if k != "credit_code.verified"})
    + table({"credit_code.verified": _CREDIT_CODE["credit_code.verified"]}, kind="note")
    + table(_REPAIRS, kind="repair")
)

#: Every reason code of the standard, with what it means. Read-only.
REASON_CODES: Mapping[str, str] = MappingProxyType({r.code: r.meaning for r in SCHEMAS_REASONS})

# Names for the codes other packages test for.
RECORD_TYPE_UNKNOWN = "record_type.unknown"
SCHEMA_VERSION_UNKNOWN = "schema_version.unknown"
BODY_NOT_AN_OBJECT = "body.not_an_object"
CREDIT_CODE_NONCONFORMING = "credit_code.nonconforming"
CREDIT_CODE_SUSPECT = "credit_code.suspect"
CREDIT_CODE_UNVERIFIED = "credit_code.unverified"
CREDIT_CODE_VERIFIED = "credit_code.verified"
assert {RECORD_TYPE_UNKNOWN, SCHEMA_VERSION_UNKNOWN, BODY_NOT_AN_OBJECT} <= set(_RECORD)
assert {CREDIT_CODE_NONCONFORMING, CREDIT_CODE_SUSPECT, CREDIT_CODE_UNVERIFIED,
        CREDIT_CODE_VERIFIED} <= set(_CREDIT_CODE)

#: The subset of REASON_CODES that name a repair rather than a problem.
REPAIR_CODES: frozenset[str] = frozenset(_REPAIRS)
