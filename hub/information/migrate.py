"""Bringing a supervision database to the current schema with the Alembic revisions shipped
here; idempotent and safe when several hub processes start at once, as the journal's
(:mod:`hub.journal.migrate`), with its own version table and lock, so both may share a
database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from hub.journal.migrate import alembic_config, upgrade_schema

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VERSION_TABLE = "supervision_alembic_version"
#: Advisory lock key of these migrations: the bytes of "hubsuper" as a signed 64-bit integer.
_MIGRATION_LOCK_KEY = int.from_bytes(b"hubsuper", "big", signed=True)


def upgrade_to_head(engine: Engine) -> None:
    """Apply every revision the database lacks, in one transaction; a no-op when at head."""
    upgrade_schema(engine, alembic_config(migrations=MIGRATIONS_DIR), _MIGRATION_LOCK_KEY)
