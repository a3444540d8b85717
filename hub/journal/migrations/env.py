"""Alembic environment of the journal.

Online, the connection normally comes from :func:`hub.journal.migrate.upgrade_to_head` (in
``config.attributes["connection"]``, already inside the locked transaction); Alembic commands
run by a developer get one from ``sqlalchemy.url``. Offline mode writes the SQL for a DBA.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from hub.journal.engine import create_journal_engine, writing
from hub.journal.migrate import VERSION_TABLE
from hub.journal.tables import metadata

config = context.config


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url configured")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = create_journal_engine(_url())
    try:
        with writing(engine) as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
