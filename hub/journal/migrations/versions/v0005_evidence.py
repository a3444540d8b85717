"""Evidence and personal data: sealed rows, the SM3 chains and their SM2 checkpoints.

- ``journal_messages.key_id``: the SM4 data key that sealed the row's body and the personal
  fields of its payload (NULL: a row written in the clear, before this revision);
- ``chain_seq`` and ``chain_hash`` on ``journal_messages`` and ``journal_audit``: each row's
  link in its chain (NULL on rows written before this revision);
- ``journal_persons``: keyed SM3 digests of the ID numbers a message names;
- ``journal_chain_heads`` and ``journal_chain_checkpoints``: the chains' last links and their
  signed checkpoints.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Nullable columns with no default: instant on both backends, however large the table.
    op.add_column("journal_messages", sa.Column("key_id", sa.String(64), nullable=True))
    for table in ("journal_messages", "journal_audit"):
        op.add_column(table, sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("chain_hash", sa.String(64), nullable=True))
        op.create_index(f"ux_{table}_chain_seq", table, ["chain_seq"], unique=True)
    op.create_table(
        "journal_persons",
        sa.Column("id", _KEY, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_journal_persons_digest", "journal_persons", ["digest"])
    op.create_index("ix_journal_persons_message_id", "journal_persons", ["message_id"])
    op.create_table(
        "journal_chain_heads",
        sa.Column("chain", sa.String(32), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "journal_chain_checkpoints",
        sa.Column("id", _KEY, primary_key=True, autoincrement=True),
        sa.Column("chain", sa.String(32), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )
    op.create_index(
        "ix_journal_chain_checkpoints_chain_seq", "journal_chain_checkpoints", ["chain", "seq"]
    )


def downgrade() -> None:
    op.drop_table("journal_chain_checkpoints")
    op.drop_table("journal_chain_heads")
    op.drop_table("journal_persons")
    for table in ("journal_audit", "journal_messages"):
        op.drop_index(f"ux_{table}_chain_seq", table_name=table)
        op.drop_column(table, "chain_hash")
        op.drop_column(table, "chain_seq")
    op.drop_column("journal_messages", "key_id")
