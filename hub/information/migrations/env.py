"""Alembic environment of the supervision database (see
:func:`hub.journal.migrate.run_environment`)."""

from __future__ import annotations

from hub.information.migrate import VERSION_TABLE
from hub.information.tables import metadata
from hub.journal.migrate import run_environment

run_environment(metadata, VERSION_TABLE)
