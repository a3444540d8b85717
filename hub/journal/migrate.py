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

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, Engine, MetaData, text

from hub.journal.engine import create_journal_engine, writing

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

#: The journal keeps its own version table, so it can share a database with other schemas.
VERSION_TABLE = "journal_alembic_version"

#: Advisory lock key of journal migrations: the bytes of "hubjourn" as a signed 64-bit integer.
_MIGRATION_LOCK_KEY = int.from_bytes(b"hubjourn", "big", signed=True)


def alembic_config(url: str | None = None, *, migrations: Path = MIGRATIONS_DIR) -> Config:
    """An Alembic configuration for the revisions in ``migrations`` (the journal's unless said
    otherwise), without an ini file.

    ``url`` is needed only for Alembic commands that open their own connection (``revision
    --autogenerate``, offline SQL scripts for a DBA: ``command.upgrade(cfg, "head", sql=True)``).
    """
    config = Config()
    config.set_main_option("script_location", str(migrations))
    if url is not None:
        # Alembic's ini interpolation treats % specially (percent-encoded passwords).
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every journal revision the database lacks, in one transaction; a no-op when at
    head."""
    upgrade_schema(engine, alembic_config(), _MIGRATION_LOCK_KEY)


def upgrade_schema(engine: Engine, config: Config, lock_key: int) -> None:
    """Apply every revision of ``config``'s scripts the database lacks, in one transaction
    holding the advisory lock ``lock_key`` on PostgreSQL (see the module's contract)."""
    with writing(engine) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def run_environment(metadata: MetaData, version_table: str) -> None:
    """The body of an Alembic ``env.py`` for a schema kept in ``version_table``.

    Online, the connection normally comes from :func:`upgrade_schema` (in
    ``config.attributes["connection"]``, already inside the locked transaction); Alembic
    commands run by a developer get one from ``sqlalchemy.url``. Offline mode writes the SQL
    for a DBA.
    """
    config = context.config
    if context.is_offline_mode():
        context.configure(url=_url(config), literal_binds=True, target_metadata=metadata,
                          version_table=version_table)
        with context.begin_transaction():
            context.run_migrations()
        return

    def run(connection: Connection) -> None:
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        context.configure(connection=connection, target_metadata=metadata,
                          version_table=version_table,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()

    given = config.attributes.get("connection")
    if given is not None:
        run(given)
        return
    engine = create_journal_engine(_url(config))
    try:
        with writing(engine) as connection:
            run(connection)
    finally:
        engine.dispose()


def _url(config: Config) -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured")
    return url
