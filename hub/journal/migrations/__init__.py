"""Alembic revisions of the journal schema, applied by :func:`hub.journal.migrate.upgrade_to_head`.

To add a revision after changing :mod:`hub.journal.tables` (the models are the reference; a
test fails while the revisions do not reproduce them)::

    from alembic import command
    from hub.journal.migrate import alembic_config, upgrade_to_head
    from hub.journal.engine import create_journal_engine

    url = "sqlite:////tmp/journal-dev.sqlite"
    upgrade_to_head(create_journal_engine(url))
    command.revision(alembic_config(url), "what changed", autogenerate=True)

then rename the new file to ``vNNNN_what_changed.py`` (a valid module name) and review it.
"""
