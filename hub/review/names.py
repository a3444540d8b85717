"""What a record under review asks the legal-entity library: which codes, under which names.

A record is under review because one or more of its credit codes fail only the check character
and are held for review (:func:`schemas.credit_code.review_reason`: on the allow-list of legally
issued non-conforming codes, or with a self-consistent organisation code). Each such code is
checked against the library together with the name the record gives the entity holding it:

- :data:`NAME_FIELDS` pairs every credit-code field of the standard with the field of the same
  block naming its holder (``party.credit_code`` with ``party.name``, ``authority_credit_code``
  with ``authority``...). A code whose record names nobody (``discipline_report``'s target) cannot be
  verified by name; the verifier leaves such a record to people.
- Names compare after Unicode NFKC (full-width and half-width forms, as in ``（集团）`` and
  ``(集团)``, are one name) with every blank removed (registered Chinese names have no
  meaningful spaces, and sources insert stray ones, ideographic or not).
- A registration status naming deregistration (注销), revocation of the business licence (吊销,
  including 吊销，未注销) or cancellation of the registration (撤销) means the entity no longer
  legally exists as registered: the code is not verified. Every other status (存续, 在业, 在营,
  开业, 迁入, 迁出, 停业, 清算...) or none at all is a live registration.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import schemas
from schemas.paths import credit_code_values

#: Record type -> credit-code field path -> the field, in the same block, naming the code's
#: holder (None: the record names nobody). Covers every credit-code field of the standard
#: except feedback's (the hub's own).
NAME_FIELDS: Mapping[str, Mapping[str, str | None]] = {
    "enterprise_registration": {"credit_code": "name"},
    "administrative_licence": {
        "party.credit_code": "name",
        "authority_credit_code": "authority",
        "data_source_credit_code": "data_source",
    },
    "administrative_penalty": {
        "party.credit_code": "name",
        "authority_credit_code": "authority",
        "data_source_credit_code": "data_source",
    },
    "inspection_result": {"credit_code": "entity_name"},
    "discipline_measure": {"target.credit_code": "name"},
    "discipline_report": {"target_credit_code": None},
    "supervision_alert": {"credit_code": "entity_name"},
    "credit_record": {"credit_code": "entity_name"},
}

#: Words in a registration status that mean the registration has ended (see the module doc).
ENDED_STATUS_WORDS = ("注销", "吊销", "撤销")


@dataclass(frozen=True)
class CodeUnderReview:
    """One credit code of a record that the library must confirm."""

    path: str
    credit_code: str
    #: The name the record gives the code's holder (None when the record names nobody).
    name: str | None


def codes_under_review(
    record_type: str, schema_version: str, payload: Mapping[str, Any]
) -> list[CodeUnderReview]:
    """Every code of ``payload`` that fails the check character, with its holder's name.

    Raises ``LookupError`` for a record type or schema version the standard does not know.
    """
    model = schemas.model_for(record_type, schema_version)
    fields = NAME_FIELDS.get(record_type, {})
    found = []
    for path, value in credit_code_values(model, dict(payload)):
        if not isinstance(value, str) or schemas.check_credit_code(value) != "credit_code.checksum":
            continue
        field = fields.get(_unindexed(path))
        block, _, _ = path.rpartition(".")
        name = _at(payload, f"{block}.{field}" if block else field) if field else None
        found.append(CodeUnderReview(path, value, name if isinstance(name, str) else None))
    return found


def same_name(registered: str, given: str) -> bool:
    """Whether two spellings name the same entity (NFKC, blanks removed; see the module doc)."""
    return _normalised(registered) == _normalised(given) != ""


def registration_ended(status: str | None) -> bool:
    """Whether a registration status says the entity was deregistered, revoked or cancelled."""
    return status is not None and any(word in status for word in ENDED_STATUS_WORDS)


def _normalised(name: str) -> str:
    return "".join(unicodedata.normalize("NFKC", name).split())


def _unindexed(path: str) -> str:
    return ".".join(part for part in path.split(".") if not part.isdigit())


def _at(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data
