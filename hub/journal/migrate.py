"""Bringing a journal database to the current schema with the Alembic revisions shipped here.

:func:`upgrade_to_head` is idempotent and safe when several hub processes start at once:

- PostgreSQL: the upgrade runs in one transaction (PostgreSQL's DDL is transactional) that
  first takes a transaction-scoped advisory lock. Transactional DDL alone is not enough: two
  processes could both see an empty version table and both try to create the tables. With the
  lock, the second waits, then finds the schema at head and does nothing.
- SQLite: the upgrade runs in one ``BEGIN IMMEDIATE`` transaction, which holds SQLite's write
  lock from the start, including while Alembic reads the version table; SQLite's DDL is
  transactional too, so a failed upgrade leaves nothing half-made.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from hub.journal.engine import writing

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

#: The journal keeps its own version table, so it can share a database with other schemas.
VERSION_TABLE = "journal_alembic_version"

#: Advisory lock key of journal migrations: the bytes of "hubjourn" as a signed 64-bit integer.
_MIGRATION_LOCK_KEY = int.from_bytes(b"hubjourn", "big", signed=True)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the journal's revisions, without an ini file.

    ``url`` is needed only for Alembic commands that open their own connection (``revision
    --autogenerate``, offline SQL scripts for a DBA: ``command.upgrade(cfg, "head", sql=True)``).
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # Alembic's ini interpolation treats % specially (percent-encoded passwords).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every revision the database lacks, in one transaction; a no-op when at head."""
    config = alembic_config()
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
