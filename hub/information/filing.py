"""How each record type of the unified standard is filed in the supervision database.

A :class:`Filing` is what the queries need of one record, read from its payload: the business
key that makes a later record a correction of an earlier one, the entity it is filed under,
and the dates that say when it is in force. The payload itself is kept beside it, whole.

Business keys, per record type (a correction or withdrawal repeats the key):

- enterprise_registration: credit code, event and the event's date;
- administrative_licence: the authority's credit code and the decision document number
  (which the standard fills with the licence number when there is no document);
- administrative_penalty: the authority's credit code and the decision number;
- inspection_result: the inspecting department and its inspection id;
- discipline_measure: the discipline id; discipline_report: that id and the reporting
  department;
- supervision_alert: the raising system and the alert id;
- credit_record: the credit platform's record id.

Feedback is not filed: it concerns the exchange, not an entity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from schemas.contract.errors import PermanentError
from schemas.v1.party import NATURAL_PERSON


class NotFiled(PermanentError):
    """A record the supervision database does not keep (feedback, an unknown type, a payload
    without what its type's filing needs): landing it again cannot succeed."""


@dataclass(frozen=True)
class Filing:
    """The typed, indexed columns of one record.

    ``entity_name`` is None for a natural person: a person's name is personal data and is
    neither indexed nor searchable by name. ``starts_on``/``ends_on`` bound when the record is
    in force (both inclusive; None: open). ``enforcers`` are the departments that must enforce
    a discipline measure.
    """

    record_type: str
    business_key: str
    credit_code: str | None
    entity_name: str | None
    party_category: str | None
    starts_on: date | None
    ends_on: date | None
    published_until: date | None = None
    status: str | None = None
    enforcers: tuple[str, ...] = ()


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _name(name: Any, category: Any) -> str | None:
    return None if category == NATURAL_PERSON or not isinstance(name, str) else name


def _registration(p: Mapping[str, Any]) -> Filing:
    day = {"establishment": "registration_date", "change": "change_date",
           "deregistration": "deregistration_date"}[p["event"]]
    return Filing("enterprise_registration", f"{p['credit_code']}|{p['event']}|{p[day]}",
                  p["credit_code"], p["name"], None, _day(p[day]), None, status=p["event"])


def _licence(p: Mapping[str, Any]) -> Filing:
    party = p["party"]
    return Filing("administrative_licence",
                  f"{p['authority_credit_code']}|{p['decision_document_number']}",
                  party.get("credit_code"), _name(party["name"], party["category"]),
                  party["category"], _day(p["valid_from"]), _day(p["valid_to"]),
                  status=p["status"])


def _penalty(p: Mapping[str, Any]) -> Filing:
    party = p["party"]
    return Filing("administrative_penalty", f"{p['authority_credit_code']}|{p['decision_number']}",
                  party.get("credit_code"), _name(party["name"], party["category"]),
                  party["category"], _day(p["decision_date"]), _day(p["valid_until"]),
                  published_until=_day(p.get("publication_deadline")))


def _inspection(p: Mapping[str, Any]) -> Filing:
    return Filing("inspection_result", f"{p['department']}|{p['inspection_id']}",
                  p["credit_code"], p["entity_name"], None, _day(p["inspection_date"]), None,
                  status=p["result"])


def _measure(p: Mapping[str, Any]) -> Filing:
    target, listing = p["target"], p["listing"]
    return Filing("discipline_measure", p["discipline_id"], target.get("credit_code"),
                  _name(target["name"], target["category"]), target["category"],
                  _day(listing["listed_on"]), _day(listing.get("ends_on")),
                  status=listing["list_type"], enforcers=tuple(p["enforcing_departments"]))


def _report(p: Mapping[str, Any]) -> Filing:
    return Filing("discipline_report", f"{p['discipline_id']}|{p['enforcing_department']}",
                  p.get("target_credit_code"), None, None, _day(p.get("carried_out_on")), None,
                  status=p["status"])


def _alert(p: Mapping[str, Any]) -> Filing:
    return Filing("supervision_alert", f"{p['raised_by']}|{p['alert_id']}", p["credit_code"],
                  p["entity_name"], None, _day(p["raised_on"]), _day(p.get("due_date")),
                  status=p["level"])


def _credit(p: Mapping[str, Any]) -> Filing:
    return Filing("credit_record", p["record_id"], p["credit_code"], p["entity_name"], None,
                  _day(p["issued_on"]), _day(p.get("valid_until")), status=p["category"])


_FILERS: dict[str, Callable[[Mapping[str, Any]], Filing]] = {
    "enterprise_registration": _registration,
    "administrative_licence": _licence,
    "administrative_penalty": _penalty,
    "inspection_result": _inspection,
    "discipline_measure": _measure,
    "discipline_report": _report,
    "supervision_alert": _alert,
    "credit_record": _credit,
}
#: Record types the supervision database keeps.
FILED_TYPES = tuple(_FILERS)


def filing_of(record_type: str, payload: Mapping[str, Any]) -> Filing:
    """The filing of a payload in the unified standard (as the pipeline validated it).

    Raises :class:`NotFiled` for a record type the database does not keep, or a payload that
    lacks what its type's filing needs (not one the pipeline passed).
    """
    filer = _FILERS.get(record_type)
    if filer is None:
        raise NotFiled(f"record type {record_type!r} is not kept in the supervision database")
    try:
        return filer(payload)
    except (KeyError, TypeError, ValueError) as e:
        raise NotFiled(f"{record_type} payload lacks what its filing needs: {e!r}") from e
