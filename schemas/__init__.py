"""The unified data standard of supervision-hub (schema version "1.0").

Contract:

- ``RECORD_TYPES``: the record type ids; ``SCHEMA_VERSION`` = "1.0".
- ``validate_record(record_type, data, *, schema_version="1.0") -> Verdict`` checks one record
  and never raises on bad data. ``Verdict.status`` is "valid", "repaired" (valid after logged
  credit-code repairs), "review" (kept for the legal-entity library: a credit code that fails
  only its check character and is on the allow-list of legally issued non-conforming codes,
  ``credit_code.nonconforming``, or has a self-consistent GB 11714 organisation code,
  ``credit_code.suspect``) or "rejected". ``Verdict.record`` is the unified JSON-ready dict (None
  when rejected): field names as in the contract, dates YYYY-MM-DD, amounts in 万元 as decimal
  text, absent values omitted. ``Verdict.problems`` and ``Verdict.repairs`` carry reason codes
  from ``REASON_CODES`` and dotted field paths (``party.credit_code``, ``penalty_categories.1``,
  "" for the whole record). ``Verdict.credit_code`` is the code the record is filed under.
  Keyword ``nonconforming_codes``/``system_ids`` replace the shipped allow-list/catalogue.
- ``REASON_CODES``: every reason code with its meaning (``REPAIR_CODES``: the repair kinds).
- ``model_for(record_type, version)``: the pydantic model (``LookupError`` when unknown).
- ``list_paths(record_type)``: dotted paths of list-valued fields, for the XML form.
- ``filing_code(record_type, record)``: the filing credit code of a unified record, or None.
- ``check_credit_code``/``credit_code_fault`` is the strict check of a Unified Social Credit Code;
  ``repair_credit_code`` is the separate, logged clean-up; the check never repairs;
  ``reviewable``/``review_reason`` say which check-character failures are held for review.
- Code lists, division codes and the non-conforming allow-list are YAML files in
  ``schemas/data``; ``python -m schemas.generate`` writes the JSON Schema and XSD artefacts.
"""

from schemas.credit_code import (
    PLACEHOLDER,
    check_credit_code,
    credit_code_fault,
    repair_credit_code,
    review_reason,
    reviewable,
)
from schemas.reasons import (
    BODY_NOT_AN_OBJECT,
    CREDIT_CODE_NONCONFORMING,
    CREDIT_CODE_SUSPECT,
    REASON_CODES,
    RECORD_TYPE_UNKNOWN,
    REPAIR_CODES,
    SCHEMA_VERSION_UNKNOWN,
)
from schemas.record_registry import UnknownRecordType, UnknownSchemaVersion, model_for
from schemas.record_types import RECORD_TYPES, SCHEMA_VERSION
from schemas.validation import filing_code, list_paths, validate_record
from schemas.verdict import Problem, Repair, Verdict

__all__ = [
    "BODY_NOT_AN_OBJECT",
    "CREDIT_CODE_NONCONFORMING",
    "CREDIT_CODE_SUSPECT",
    "PLACEHOLDER",
    "REASON_CODES",
    "RECORD_TYPES",
    "RECORD_TYPE_UNKNOWN",
    "REPAIR_CODES",
    "SCHEMA_VERSION",
    "SCHEMA_VERSION_UNKNOWN",
    "Problem",
    "Repair",
    "UnknownRecordType",
    "UnknownSchemaVersion",
    "Verdict",
    "check_credit_code",
    "credit_code_fault",
    "filing_code",
    "list_paths",
    "model_for",
    "repair_credit_code",
    "review_reason",
    "reviewable",
    "validate_record",
]
