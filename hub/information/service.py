"""The information service's operations as every door calls them: checked, audited, answered.

Contract, for each operation:
- the caller is named and states a purpose (用途); an operation without a purpose is refused;
- the question is checked before the database is asked: a credit code must pass GB 32100 (after
  the logged clean-up every input gets: blanks, hyphens, full width, case) or be one the hub
  holds for review (:func:`schemas.credit_code.reviewable`: allow-listed, or with a
  self-consistent organisation code), since records under such a code are filed once the
  legal-entity library confirms it; dates and names are bounded. A bad question raises
  :class:`BadQuery` with a machine-readable code and a message, never a stack trace;
- every answered question is written to the audit trail first (who, which operation, which
  entity, what purpose), so no answer leaves without its entry;
- personal data in the answer is shown as the caller's :class:`Visibility` allows; a search by a
  person's ID number needs a caller entitled to see personal data whole.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.information import queries
from hub.information.answers import (
    DisciplineCheck,
    EntityProfile,
    RecordPage,
    SearchPage,
    Visibility,
)
from hub.information.store import SupervisionStore
from hub.journal.records import AuditEntry
from schemas.contract.errors import PermanentError
from schemas.credit_code import (
    credit_code_fault,
    repair_credit_code,
    reviewable,
    shipped_nonconforming_codes,
)

#: Longest purpose, name prefix and licence item a question may carry.
MAX_TEXT = 200
#: Earliest date a profile may be asked about (the oldest records are from the 1980s).
EARLIEST = date(1949, 10, 1)


class BadQuery(PermanentError):
    """A question that cannot be answered as asked: ``code`` says why, for machines."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class QueryRefused(PermanentError):
    """A caller without the right to ask this question (``query.forbidden``)."""

    code = "query.forbidden"


@dataclass(frozen=True)
class Caller:
    """Who asks, for what, and how much personal data their role may see."""

    id: str
    purpose: str
    visibility: Visibility = Visibility.MASKED


def credit_code_of(raw: str) -> str:
    """The credit code ``raw`` names, cleaned up as every input is; :class:`BadQuery`
    (``query.credit_code_invalid``) when it is no code the hub could file anything under: valid
    codes and the codes held for review, which the legal-entity library may have confirmed, are
    accepted."""
    code, _repairs = repair_credit_code(raw)
    fault = credit_code_fault(code)
    if fault is not None and not reviewable(code, shipped_nonconforming_codes()):
        raise BadQuery("query.credit_code_invalid", f"not a credit code: {fault.message}")
    return code


def _text(name: str, value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip()
    if not value:
        raise BadQuery("query.missing", f"{name} is empty")
    if len(value) > MAX_TEXT:
        raise BadQuery("query.too_long", f"{name} is longer than {MAX_TEXT} characters")
    return value


def _date(name: str, value: date) -> date:
    if not EARLIEST <= value <= date(9999, 12, 31):
        raise BadQuery("query.date_out_of_range", f"{name} {value} is out of range")
    return value


class InformationService:
    """The operations on one :class:`SupervisionStore`, audited through ``audit``."""

    def __init__(self, store: SupervisionStore, audit: Callable[[AuditEntry], None]) -> None:
        self.store = store
        self._audit = audit

    def _audited(self, caller: Caller, operation: str, **target: Any) -> None:
        purpose = _text("purpose", caller.purpose)
        self._audit(AuditEntry(
            actor=caller.id, action=f"query.{operation}", reason=purpose,
            parameters={"visibility": caller.visibility.value, **target}, affected=1,
        ))

    def profile(self, caller: Caller, credit_code: str, as_of: date) -> EntityProfile:
        code = credit_code_of(credit_code)
        as_of = _date("as_of", as_of)
        self._audited(caller, "profile", credit_code=code, as_of=as_of.isoformat())
        return queries.profile(self.store, code, as_of, caller.visibility)

    def discipline_check(self, caller: Caller, credit_code: str, department: str,
                         licence_item: str, on: date) -> DisciplineCheck:
        code = credit_code_of(credit_code)
        department = _text("department", department)
        item = _text("licence_item", licence_item)
        on = _date("on", on)
        self._audited(caller, "discipline_check", credit_code=code, department=department,
                      licence_item=item, on=on.isoformat())
        return queries.discipline_check(self.store, code, department, item, on)

    def search_by_name(self, caller: Caller, prefix: str, offset: int = 0,
                       limit: int = queries.PAGE_LIMIT) -> SearchPage:
        prefix = _text("name", prefix)
        if len(prefix) < 2:
            raise BadQuery("query.too_short", "a name prefix has at least 2 characters")
        offset, limit = _paging(offset, limit)
        self._audited(caller, "search_by_name", name=prefix, offset=offset)
        return queries.search_by_name(self.store, prefix, offset=offset, limit=limit)

    def search_by_person(self, caller: Caller, id_number: str, offset: int = 0,
                         limit: int = queries.PAGE_LIMIT) -> RecordPage:
        if caller.visibility is not Visibility.WHOLE:
            raise QueryRefused(f"{caller.id} may not look people up by ID number")
        id_number = _text("id_number", id_number)
        offset, limit = _paging(offset, limit)
        # The number is personal data: the audit entry names it by its last four characters.
        self._audited(caller, "search_by_person", id_number_ending=id_number[-4:],
                      offset=offset)
        return queries.search_by_person(self.store, id_number, caller.visibility,
                                        offset=offset, limit=limit)


def _paging(offset: int, limit: int) -> tuple[int, int]:
    if offset < 0 or not 1 <= limit <= queries.PAGE_LIMIT:
        raise BadQuery("query.paging", f"offset >= 0 and 1 <= limit <= {queries.PAGE_LIMIT}")
    return offset, limit
