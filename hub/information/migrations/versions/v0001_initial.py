"""The supervision database: records filed under entities, enforcers, person digests.

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
        "supervision_records",
        sa.Column("id", SURROGATE_KEY, primary_key=True, autoincrement=True),
        sa.Column("record_type", sa.String(128), nullable=False),
        sa.Column("business_key", sa.String(400), nullable=False),
        sa.Column("credit_code", sa.String(32), nullable=True),
        sa.Column("entity_name", sa.String(200), nullable=True),
        sa.Column("party_category", sa.String(128), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("published_until", sa.Date(), nullable=True),
        sa.Column("status", sa.String(128), nullable=True),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("landed_at", TIMESTAMP, nullable=False),
        sa.Column("versions", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("envelope", JSON_DOCUMENT, nullable=False),
        sa.UniqueConstraint("record_type", "business_key", name="uq_supervision_records_key"),
    )
    op.create_index("ix_supervision_records_entity", "supervision_records",
                    ["credit_code", "record_type", "starts_on"])
    op.create_index("ix_supervision_records_name", "supervision_records", ["entity_name"],
                    postgresql_ops={"entity_name": "varchar_pattern_ops"})
    op.create_table(
        "supervision_enforcers",
        sa.Column("record_id", SURROGATE_KEY,
                  sa.ForeignKey("supervision_records.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("department", sa.String(128), primary_key=True),
    )
    op.create_index("ix_supervision_enforcers_department", "supervision_enforcers",
                    ["department"])
    op.create_table(
        "supervision_persons",
        sa.Column("record_id", SURROGATE_KEY,
                  sa.ForeignKey("supervision_records.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("digest_key_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_supervision_persons_digest", "supervision_persons", ["digest"])


def downgrade() -> None:
    op.drop_table("supervision_persons")
    op.drop_table("supervision_enforcers")
    op.drop_table("supervision_records")
