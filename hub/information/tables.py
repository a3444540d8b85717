"""The supervision database's tables, as SQLAlchemy 2 declarative models.

The migrations in ``migrations/versions`` must reproduce these exactly (a test compares them).

- ``supervision_records``: one row per record (per business key, see
  :mod:`hub.information.filing`), the typed columns queries filter on, and the envelope as
  landed, its personal fields sealed;
- ``supervision_enforcers``: the departments that must enforce a discipline measure;
- ``supervision_persons``: the keyed digests of the ID numbers a record names, so a person's
  records are found without the number being readable in the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.journal.tables import (
    CONTENT_HASH,
    CREDIT_CODE,
    HUB_ID,
    KEY_ID,
    NAME,
    SM3_HEX,
    JsonDocument,
    SurrogateKey,
    UtcDateTime,
)

ENTITY_NAME = String(200)
BUSINESS_KEY = String(400)


class Base(DeclarativeBase):
    """Declarative base of the supervision database; its ``metadata`` holds its tables only."""


class RecordRow(Base):
    """One record filed under an entity: its latest version."""

    __tablename__ = "supervision_records"
    __table_args__ = (
        UniqueConstraint("record_type", "business_key", name="uq_supervision_records_key"),
        Index("ix_supervision_records_entity", "credit_code", "record_type", "starts_on"),
        # Name prefixes (LIKE 'x%') use the index on PostgreSQL under any collation.
        Index("ix_supervision_records_name", "entity_name",
              postgresql_ops={"entity_name": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True, autoincrement=True)
    record_type: Mapped[str] = mapped_column(NAME)
    business_key: Mapped[str] = mapped_column(BUSINESS_KEY)
    credit_code: Mapped[str | None] = mapped_column(CREDIT_CODE)
    entity_name: Mapped[str | None] = mapped_column(ENTITY_NAME)
    party_category: Mapped[str | None] = mapped_column(NAME)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    published_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(NAME)
    source: Mapped[str] = mapped_column(NAME)
    message_id: Mapped[str] = mapped_column(HUB_ID)
    content_hash: Mapped[str] = mapped_column(CONTENT_HASH)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    landed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # How many versions of this record have landed (1, then one more per correction).
    versions: Mapped[int] = mapped_column(Integer)
    # The data key that sealed the envelope's personal fields.
    key_id: Mapped[str] = mapped_column(KEY_ID)
    envelope: Mapped[dict[str, Any]] = mapped_column(JsonDocument)


class EnforcerRow(Base):
    """A department that must enforce a discipline measure."""

    __tablename__ = "supervision_enforcers"
    __table_args__ = (Index("ix_supervision_enforcers_department", "department"),)

    record_id: Mapped[int] = mapped_column(
        SurrogateKey, ForeignKey("supervision_records.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(NAME, primary_key=True)


class PersonRow(Base):
    """An ID number a record names, by its keyed digest."""

    __tablename__ = "supervision_persons"
    __table_args__ = (Index("ix_supervision_persons_digest", "digest"),)

    record_id: Mapped[int] = mapped_column(
        SurrogateKey, ForeignKey("supervision_records.id", ondelete="CASCADE"), primary_key=True)
    digest: Mapped[str] = mapped_column(SM3_HEX, primary_key=True)
    digest_key_id: Mapped[str] = mapped_column(KEY_ID)


metadata = Base.metadata
#: The tables themselves, for Core statements: queries select a record's row (all columns,
#: attribute access) with RECORDS; the landing's statements are built on them.
RECORDS = cast(Table, RecordRow.__table__)
ENFORCERS = cast(Table, EnforcerRow.__table__)
PERSONS = cast(Table, PersonRow.__table__)
