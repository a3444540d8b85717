"""What the information service answers, in every door's serialisation (JSON, SOAP, AMQP).

Every answer carries the payloads of the records it names as the caller may see them
(:class:`Visibility`); the filing columns beside them (dates, status, issuing system) carry no
personal data.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.information.live import LiveData


class Visibility(StrEnum):
    """How much of a record's personal data an answer shows.

    - ``masked``: names and ID numbers masked (the default for people and most callers);
    - ``published``: ID numbers masked as published decisions mask them, names kept (双公示);
    - ``whole``: as the source sent it, for a caller entitled to it.
    """

    MASKED = "masked"
    PUBLISHED = "published"
    WHOLE = "whole"


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecordView(_Answer):
    """One record filed under the entity."""

    record_type: str = Field(description="Record type id of the unified standard.")
    business_key: str = Field(description="What makes a later record a correction of this one.")
    source: str = Field(description="System id that sent the record.")
    message_id: str = Field(description="The hub's id of the version shown (for hub trace).")
    versions: int = Field(description="How many versions landed (1 + corrections).")
    starts_on: date | None = Field(description="First day in force (the record type's date).")
    ends_on: date | None = Field(description="Last day in force; null: open-ended.")
    status: str | None = Field(description="The record's status code, where its type has one.")
    payload: dict[str, Any] = Field(description="The record in the unified standard.")


class PenaltyView(RecordView):
    """A penalty, with its publication period (公示期)."""

    published_until: date | None = Field(description="公示截止期, when the record gives one.")
    in_publication: bool = Field(
        description="Whether the penalty is still published on the date asked about (decided "
        "on or before it, publication deadline not passed or not given).")


class EntityProfile(_Answer):
    """Everything filed under one credit code, as of a date (一户一档)."""

    credit_code: str
    as_of: date
    name: str | None = Field(description="The latest registered name (or a record's name).")
    registered: bool = Field(description="Whether a registration up to as_of is on file.")
    deregistered_on: date | None = Field(description="注销日期, when deregistered by as_of.")
    registration: list[RecordView] = Field(description="Registration events, oldest first.")
    licences_in_force: list[RecordView]
    penalties: list[PenaltyView] = Field(description="Decided on or before as_of, newest first.")
    inspections: list[RecordView]
    measures_in_force: list[RecordView] = Field(
        description="Joint-discipline measures listed on or before as_of and not yet ended.")
    discipline_reports: list[RecordView]
    alerts: list[RecordView]
    credit_records: list[RecordView] = Field(description="Credit items valid on as_of.")
    truncated: list[str] = Field(
        default_factory=list,
        description="Sections cut at the section limit (the newest are kept).")
    live: LiveData | None = Field(
        default=None, description="Asked with live: what the platforms say now (scatter-gather).")


class MeasureFinding(_Answer):
    """A joint-discipline measure in force that the asking department must enforce."""

    discipline_id: str
    measure: str | None = Field(description="措施名称 or, without one, its code.")
    field: str | None = Field(description="惩戒领域: where it applies; null: everywhere.")
    legal_basis: str | None = Field(description="法律依据.")
    listing_department: str = Field(description="列入部门: who listed the entity.")
    list_type: str
    listed_on: date
    ends_on: date | None
    source: str = Field(description="System id that sent the measure.")


class DisciplineCheck(_Answer):
    """May ``department`` grant ``licence_item`` to the entity on ``on``?"""

    credit_code: str
    department: str
    licence_item: str
    on: date
    restricted: bool = Field(description="True when at least one measure restricts it.")
    measures: list[MeasureFinding] = Field(description="The measures that restrict it; empty: none.")


class EntityHit(_Answer):
    """An entity found by name or by a person's ID number."""

    credit_code: str | None
    name: str | None
    records: int = Field(description="How many records are filed under it that matched.")


class SearchPage(_Answer):
    """One page of search results, by credit code."""

    hits: list[EntityHit]
    next_offset: int | None = Field(description="Offset of the next page; null: last page.")


class RecordPage(_Answer):
    """One page of records (a person's, found by ID number)."""

    records: list[RecordView]
    next_offset: int | None = Field(description="Offset of the next page; null: last page.")
