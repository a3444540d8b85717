"""The information service's operations on the supervision database.

Each takes a :class:`SupervisionStore` and answers with a model of :mod:`hub.information.answers`;
what a caller may ask and see (record types, fields, purpose) is decided before and after,
by :mod:`hub.information.access`. Dates are business dates: "as of D" means the records whose
own dates put them in force on D, whenever they landed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from hub.crypto.sealed_fields import person_digests
from hub.information.answers import (
    DisciplineCheck,
    EntityHit,
    EntityProfile,
    MeasureFinding,
    PenaltyView,
    RecordPage,
    RecordView,
    SearchPage,
    Visibility,
)
from hub.information.store import StoredRecord, SupervisionStore
from hub.information.tables import RECORDS, EnforcerRow, PersonRow, RecordRow
from schemas.personal import Disclosure, disclose, masked_view

#: The most records a profile shows per section (the newest are kept; the answer says so).
SECTION_LIMIT = 200
#: The most hits a search page holds.
PAGE_LIMIT = 100


def _in_force(on: date) -> ColumnElement[bool]:
    return and_(RecordRow.starts_on <= on,
                or_(RecordRow.ends_on.is_(None), RecordRow.ends_on >= on))


def _view(record: StoredRecord, visibility: Visibility) -> dict[str, Any]:
    columns: dict[str, Any] = {
        "record_type": record.record_type, "business_key": record.business_key,
        "source": record.source, "message_id": record.message_id, "versions": record.versions,
        "starts_on": record.filing.starts_on, "ends_on": record.filing.ends_on,
        "status": record.filing.status, "payload": shown(record, visibility),
    }
    return columns


def shown(record: StoredRecord, visibility: Visibility) -> dict[str, Any]:
    """A record's payload as ``visibility`` lets a caller see it."""
    if visibility is Visibility.WHOLE:
        return record.payload
    if visibility is Visibility.PUBLISHED:
        return disclose(record.record_type, record.payload, Disclosure.PUBLISHED)
    masked = masked_view(record.record_type, record.payload)
    assert isinstance(masked, dict)
    return masked


class _Section:
    """One section of a profile: the newest rows of a record type matching a condition."""

    def __init__(self, store: SupervisionStore, connection: Connection, credit_code: str,
                 limit: int) -> None:
        self.store, self.connection = store, connection
        self.credit_code, self.limit = credit_code, limit
        self.truncated: list[str] = []

    def rows(self, name: str, record_type: str, *where: ColumnElement[bool]
             ) -> list[StoredRecord]:
        query = (select(RECORDS)
                 .where(RecordRow.credit_code == self.credit_code,
                        RecordRow.record_type == record_type, *where)
                 .order_by(RecordRow.starts_on.desc(), RecordRow.id.desc())
                 .limit(self.limit + 1))
        rows = self.connection.execute(query).all()
        if len(rows) > self.limit:
            self.truncated.append(name)
            rows = rows[: self.limit]
        return [self.store.opened(row) for row in rows]


def profile(store: SupervisionStore, credit_code: str, as_of: date,
            visibility: Visibility = Visibility.MASKED, *,
            limit: int = SECTION_LIMIT) -> EntityProfile:
    """Everything filed under ``credit_code`` that is in force (or happened) on ``as_of``."""
    with store.reading() as connection:
        section = _Section(store, connection, credit_code, limit)
        on_or_before = RecordRow.starts_on <= as_of
        registration = section.rows("registration", "enterprise_registration", on_or_before)
        licences = section.rows("licences_in_force", "administrative_licence",
                                _in_force(as_of), RecordRow.status == "1")
        penalties = section.rows("penalties", "administrative_penalty", on_or_before)
        inspections = section.rows("inspections", "inspection_result", on_or_before)
        measures = section.rows("measures_in_force", "discipline_measure", _in_force(as_of))
        reports = section.rows("discipline_reports", "discipline_report",
                               or_(RecordRow.starts_on.is_(None), on_or_before))
        alerts = section.rows("alerts", "supervision_alert", on_or_before)
        credit = section.rows("credit_records", "credit_record", _in_force(as_of))
        named = connection.execute(
            select(RecordRow.entity_name)
            .where(RecordRow.credit_code == credit_code, RecordRow.entity_name.is_not(None))
            .order_by(RecordRow.received_at.desc()).limit(1)).scalar()
    registration.reverse()  # oldest first: the entity's history reads forwards
    deregistered = [r.filing.starts_on for r in registration if r.filing.status == "deregistration"]
    name = registration[-1].entity_name if registration else named

    def views(records: Sequence[StoredRecord]) -> list[RecordView]:
        return [RecordView(**_view(r, visibility)) for r in records]

    return EntityProfile(
        credit_code=credit_code, as_of=as_of, name=name, registered=bool(registration),
        deregistered_on=deregistered[-1] if deregistered else None,
        registration=views(registration), licences_in_force=views(licences),
        penalties=[_penalty(r, as_of, visibility) for r in penalties],
        inspections=views(inspections), measures_in_force=views(measures),
        discipline_reports=views(reports), alerts=views(alerts), credit_records=views(credit),
        truncated=section.truncated,
    )


def _penalty(record: StoredRecord, as_of: date, visibility: Visibility) -> PenaltyView:
    until = record.filing.published_until
    return PenaltyView(**_view(record, visibility), published_until=until,
                       in_publication=until is None or until >= as_of)


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def restricts(field: str | None, licence_item: str) -> bool:
    """Whether a measure applying in ``field`` restricts granting ``licence_item``.

    A measure without a field applies to every licence the enforcing department grants; one
    with a field applies to the items whose name contains the field or is contained in it
    (compared after NFKC, ignoring whitespace): 食品 restricts 食品经营许可.
    """
    if not field:
        return True
    field, item = _normal(field), _normal(licence_item)
    return field in item or item in field


def discipline_check(store: SupervisionStore, credit_code: str, department: str,
                     licence_item: str, on: date) -> DisciplineCheck:
    """The joint-discipline check: the measures in force on ``on`` against the entity, that
    ``department`` must enforce and that restrict ``licence_item``; none: it may grant."""
    query = (select(RECORDS)
             .join(EnforcerRow, EnforcerRow.record_id == RecordRow.id)
             .where(RecordRow.credit_code == credit_code,
                    RecordRow.record_type == "discipline_measure",
                    EnforcerRow.department == department, _in_force(on))
             .order_by(RecordRow.starts_on, RecordRow.id))
    with store.reading() as connection:
        records = [store.opened(row) for row in connection.execute(query)]
    findings = [_finding(record) for record in records]
    findings = [f for f in findings if restricts(f.field, licence_item)]
    return DisciplineCheck(credit_code=credit_code, department=department,
                           licence_item=licence_item, on=on, restricted=bool(findings),
                           measures=findings)


def _finding(record: StoredRecord) -> MeasureFinding:
    payload = record.payload
    measure, listing = payload["measure"], payload["listing"]
    return MeasureFinding(
        discipline_id=payload["discipline_id"],
        measure=measure.get("name") or measure.get("code"), field=measure.get("field"),
        legal_basis=measure.get("legal_basis"), listing_department=listing["department"],
        list_type=listing["list_type"], listed_on=date.fromisoformat(listing["listed_on"]),
        ends_on=record.filing.ends_on, source=record.source,
    )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search_by_name(store: SupervisionStore, prefix: str, *, offset: int = 0,
                   limit: int = PAGE_LIMIT) -> SearchPage:
    """Entities whose name starts with ``prefix`` (as filed, NFKC), by credit code, paged.
    Natural persons are not found by name: their names are personal data."""
    prefix = unicodedata.normalize("NFKC", prefix).strip()
    query = (select(RecordRow.credit_code, func.max(RecordRow.entity_name),
                    func.count(RecordRow.id))
             .where(RecordRow.entity_name.like(_like_prefix(prefix), escape="\\"),
                    RecordRow.credit_code.is_not(None))
             .group_by(RecordRow.credit_code).order_by(RecordRow.credit_code))
    with store.reading() as connection:
        rows = connection.execute(query.offset(offset).limit(limit + 1)).all()
    hits = [EntityHit(credit_code=code, name=name, records=count)
            for code, name, count in rows[:limit]]
    return SearchPage(hits=hits, next_offset=offset + limit if len(rows) > limit else None)


def search_by_person(store: SupervisionStore, id_number: str,
                     visibility: Visibility = Visibility.MASKED, *, offset: int = 0,
                     limit: int = PAGE_LIMIT) -> RecordPage:
    """The records that name a person by ``id_number`` (party, legal representative), newest
    first, paged. The number is looked up by its keyed digests, never stored in the clear."""
    digests = person_digests(store.keyring.current(), id_number)
    query = (select(RECORDS)
             .where(RecordRow.id.in_(select(PersonRow.record_id)
                                     .where(PersonRow.digest.in_(digests))))
             .order_by(RecordRow.starts_on.desc(), RecordRow.id.desc())
             .offset(offset).limit(limit + 1))
    with store.reading() as connection:
        rows = connection.execute(query).all()
    records = [RecordView(**_view(store.opened(row), visibility)) for row in rows[:limit]]
    return RecordPage(records=records, next_offset=offset + limit if len(rows) > limit else None)
