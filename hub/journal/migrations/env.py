"""Alembic environment of the journal (see :func:`hub.journal.migrate.run_environment`)."""

from __future__ import annotations

from hub.journal.migrate import VERSION_TABLE, run_environment
from hub.journal.tables import metadata

run_environment(metadata, VERSION_TABLE)
