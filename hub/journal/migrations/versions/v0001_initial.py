"""The journal: messages, hop events, audit trail and delivery keys.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Types are spelled out here rather than imported from the models: a revision must keep
# describing the schema as it was when written, whatever the models become later.
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
SURROGATE_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "journal_messages",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("record_type", sa.String(128), nullable=False),
        sa.Column("routing_key", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=True),
        sa.Column("content_encoding", sa.String(128), nullable=True),
        sa.Column("source_message_id", sa.String(255), nullable=True),
        sa.Column("correlation_id", sa.String(255), nullable=False),
        sa.Column("credit_code", sa.String(32), nullable=True),
        sa.Column("content_hash", sa.String(80), nullable=True),
        sa.Column("headers", JSON_DOCUMENT, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("payload", JSON_DOCUMENT, nullable=True),
    )
    op.create_index("ix_journal_messages_received_at", "journal_messages", ["received_at"])
    op.create_index(
        "ix_journal_messages_source_received_at", "journal_messages", ["source", "received_at"]
    )
    op.create_index(
        "ix_journal_messages_record_type_received_at",
        "journal_messages",
        ["record_type", "received_at"],
    )
    op.create_index(
        "ix_journal_messages_credit_code_received_at",
        "journal_messages",
        ["credit_code", "received_at"],
    )

    op.create_table(
        "journal_events",
        sa.Column("id", SURROGATE_KEY, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("destination", sa.String(128), nullable=True),
        sa.Column("record_type", sa.String(128), nullable=False),
        sa.Column("credit_code", sa.String(32), nullable=True),
        sa.Column("correlation_id", sa.String(255), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_journal_events_message_id_at", "journal_events", ["message_id", "at"])
    op.create_index("ix_journal_events_credit_code_at", "journal_events", ["credit_code", "at"])
    op.create_index("ix_journal_events_at", "journal_events", ["at"])
    op.create_index(
        "ix_journal_events_event_destination_at", "journal_events", ["event", "destination", "at"]
    )

    op.create_table(
        "journal_audit",
        sa.Column("id", SURROGATE_KEY, primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("action", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("parameters", JSON_DOCUMENT, nullable=False),
        sa.Column("affected", sa.Integer(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.CheckConstraint("length(trim(reason)) > 0", name="ck_journal_audit_reason"),
    )
    op.create_index("ix_journal_audit_at", "journal_audit", ["at"])

    op.create_table(
        "delivery_keys",
        sa.Column("destination", sa.String(128), primary_key=True),
        sa.Column("content_hash", sa.String(80), primary_key=True),
        sa.Column("first_delivered_at", TIMESTAMP, nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
    )
    op.create_index(
        "ix_delivery_keys_first_delivered_at", "delivery_keys", ["first_delivered_at"]
    )


def downgrade() -> None:
    op.drop_table("delivery_keys")
    op.drop_table("journal_audit")
    op.drop_table("journal_events")
    op.drop_table("journal_messages")
