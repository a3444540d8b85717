"""What the pipeline did with each input, kept in its message row.

The pipeline's own hops (received, standardised, routed, rejected, review, feedback) all happen
at the moment of receipt; from this revision on they are stored once per input, as one JSON
document in ``journal_messages.outcome``, rather than as four or five ``journal_events`` rows.
The readers unfold them into the same events. Rows written before keep their hops as events
and have no outcome, so nothing needs converting.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # A nullable column with no default: instant on both backends, however large the table.
    op.add_column("journal_messages", sa.Column("outcome", JSON_DOCUMENT, nullable=True))


def downgrade() -> None:
    op.drop_column("journal_messages", "outcome")
