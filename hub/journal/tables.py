"""The journal's tables, as SQLAlchemy 2 declarative models.

These models are the reference the migrations must reproduce exactly (a test compares them);
a change here needs a new revision in ``migrations/versions``. Nothing outside the journal
package sees these classes: the API converts rows to the values in :mod:`hub.journal.records`.

There are no foreign keys from events to messages on purpose: an event may be written before
its message row (the writer batches them independently) or without one (an event about a
message recorded elsewhere), and purging deletes both sides explicitly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime in, the same out, on every backend.

    PostgreSQL stores ``timestamptz``; SQLite has no time zone type, so UTC is stored without an
    offset, which also keeps SQLite's text comparison in range queries correct.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the journal stores UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: JSON documents; JSONB on PostgreSQL so later queries can index into payloads. None is SQL
#: NULL, not JSON null, so a payload recorded later can fill the column (see recording.py).
JsonDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")

#: 64-bit surrogate keys; SQLite only auto-assigns a key declared exactly INTEGER PRIMARY KEY.
SurrogateKey = BigInteger().with_variant(Integer(), "sqlite")

HUB_ID = String(64)
NAME = String(128)
LONG_NAME = String(255)
CREDIT_CODE = String(32)
CONTENT_HASH = String(80)
SHA256_HEX = String(64)
SM3_HEX = String(64)
KEY_ID = String(64)


class Base(DeclarativeBase):
    """Declarative base of the journal; its ``metadata`` holds exactly the journal's tables."""


class MessageRow(Base):
    """One input the hub received (``journal_messages``)."""

    __tablename__ = "journal_messages"

    message_id: Mapped[str] = mapped_column(HUB_ID, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(NAME)
    record_type: Mapped[str] = mapped_column(NAME)
    routing_key: Mapped[str] = mapped_column(LONG_NAME)
    content_type: Mapped[str | None] = mapped_column(LONG_NAME)
    content_encoding: Mapped[str | None] = mapped_column(NAME)
    source_message_id: Mapped[str | None] = mapped_column(LONG_NAME)
    correlation_id: Mapped[str] = mapped_column(LONG_NAME)
    credit_code: Mapped[str | None] = mapped_column(CREDIT_CODE)
    content_hash: Mapped[str | None] = mapped_column(CONTENT_HASH)
    headers: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    # The pipeline's hops, folded into the row (see records.PipelineOutcome); None on rows
    # written before revision 0003, whose hops are events.
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JsonDocument)
    # Set only when ``body`` holds the head of a body over the size limit (revision 0004):
    # the original's length and SHA-256 (see records.JournalMessage.with_body_head).
    body_size: Mapped[int | None] = mapped_column(BigInteger)
    body_sha256: Mapped[str | None] = mapped_column(SHA256_HEX)
    # Revision 0005: the data key that sealed the body and the payload's personal fields
    # (None: written in the clear, before 0005), and the row's link in the messages chain
    # (None on rows written before 0005; see hub.journal.chain).
    key_id: Mapped[str | None] = mapped_column(KEY_ID)
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    chain_hash: Mapped[str | None] = mapped_column(SM3_HEX)

    __table_args__ = (
        Index("ux_journal_messages_chain_seq", "chain_seq", unique=True),
        # Each filter of find_messages narrows by time as well, hence (column, received_at).
        Index("ix_journal_messages_received_at", "received_at"),
        Index("ix_journal_messages_source_received_at", "source", "received_at"),
        Index("ix_journal_messages_record_type_received_at", "record_type", "received_at"),
        Index("ix_journal_messages_credit_code_received_at", "credit_code", "received_at"),
    )


class EventRow(Base):
    """One hop event (``journal_events``); append-only."""

    __tablename__ = "journal_events"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(HUB_ID)
    # Kinds are checked by JournalEvent, not by a CHECK constraint: adding a kind would then
    # need a table rebuild on SQLite, the largest table of all.
    event: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(NAME)
    destination: Mapped[str | None] = mapped_column(NAME)
    record_type: Mapped[str] = mapped_column(NAME)
    credit_code: Mapped[str | None] = mapped_column(CREDIT_CODE)
    correlation_id: Mapped[str] = mapped_column(LONG_NAME)
    attempt: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("ix_journal_events_message_id_at", "message_id", "at"),
        Index("ix_journal_events_credit_code_at", "credit_code", "at"),
        Index("ix_journal_events_at", "at"),
        # Filters on what went wrong where: failed or dead-lettered (at a destination), which
        # are the selective ones; "any event at destination X" is served through message_id.
        Index("ix_journal_events_event_destination_at", "event", "destination", "at"),
    )


class AuditRow(Base):
    """One administrator action (``journal_audit``); never purged."""

    __tablename__ = "journal_audit"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(LONG_NAME)
    action: Mapped[str] = mapped_column(NAME)
    reason: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    affected: Mapped[int] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column()
    # Revision 0005: the entry's link in the audit chain (None before 0005).
    chain_seq: Mapped[int | None] = mapped_column(BigInteger)
    chain_hash: Mapped[str | None] = mapped_column(SM3_HEX)

    __table_args__ = (
        Index("ux_journal_audit_chain_seq", "chain_seq", unique=True),
        # The database refuses a reasonless action too, whoever writes to it.
        CheckConstraint("length(trim(reason)) > 0", name="ck_journal_audit_reason"),
        Index("ix_journal_audit_at", "at"),
    )


class DeliveryKeyRow(Base):
    """A record delivered to a destination (``delivery_keys``): the idempotency store."""

    __tablename__ = "delivery_keys"

    destination: Mapped[str] = mapped_column(NAME, primary_key=True)
    content_hash: Mapped[str] = mapped_column(CONTENT_HASH, primary_key=True)
    first_delivered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    message_id: Mapped[str] = mapped_column(HUB_ID)

    __table_args__ = (Index("ix_delivery_keys_first_delivered_at", "first_delivered_at"),)


class CheckpointRow(Base):
    """An inbound adapter's progress (``adapter_checkpoints``): a watermark, a file offset."""

    __tablename__ = "adapter_checkpoints"

    adapter: Mapped[str] = mapped_column(NAME, primary_key=True)
    key: Mapped[str] = mapped_column(String(256), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PersonRow(Base):
    """A natural person a message names, by keyed digest of the ID number
    (``journal_persons``): lookup by ID number without keeping the number readable."""

    __tablename__ = "journal_persons"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(HUB_ID)
    digest: Mapped[str] = mapped_column(SM3_HEX)
    key_id: Mapped[str] = mapped_column(KEY_ID)

    __table_args__ = (
        Index("ix_journal_persons_digest", "digest"),
        Index("ix_journal_persons_message_id", "message_id"),
    )


class ChainHeadRow(Base):
    """The last link of each chain (``journal_chain_heads``): ``messages`` and ``audit``.

    Writers lock this row to append, so links are numbered without gaps across processes."""

    __tablename__ = "journal_chain_heads"

    chain: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(SM3_HEX)


class ChainCheckpointRow(Base):
    """A link of a chain signed with SM2 (``journal_chain_checkpoints``); never purged.

    ``kind`` is ``interval`` (written as the chain grows), ``close`` (a writer stopping) or
    ``anchor`` (the last link retention removed: where verification of the rest starts)."""

    __tablename__ = "journal_chain_checkpoints"

    id: Mapped[int] = mapped_column(SurrogateKey, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(32))
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(SM3_HEX)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(KEY_ID)
    signature: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_journal_chain_checkpoints_chain_seq", "chain", "seq"),)


metadata = Base.metadata
