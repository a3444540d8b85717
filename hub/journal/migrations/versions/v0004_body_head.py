"""Bodies over the size limit are journaled as a head: their full length and SHA-256 beside it.

``journal_messages.body_size`` and ``body_sha256`` are NULL for every body journaled whole
(all rows written before this revision); for a body over the hub's size limit, ``body`` holds
its first bytes only and these two columns say what the whole was.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns with no default: instant on both backends, however large the table.
    op.add_column("journal_messages", sa.Column("body_size", sa.BigInteger(), nullable=True))
    op.add_column("journal_messages", sa.Column("body_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("journal_messages", "body_sha256")
    op.drop_column("journal_messages", "body_size")
