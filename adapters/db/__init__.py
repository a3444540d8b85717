"""The ``db`` exchange mode: a department's front-end database (前置库).

The department writes records into an exchange table of a database it owns; the hub polls it
(``db-poll``, :mod:`adapters.db.poll`), taking rows by a status flag or by a watermark, and
writes what the department should receive into another table the department reads
(``db-write``, :mod:`adapters.db.write`). SQLite files and PostgreSQL, through SQLAlchemy.

- :mod:`adapters.db.database`: the shared connection options, URL and identifier checks,
  engines, and what each database error means (transient or a refusal);
- :mod:`adapters.db.table_rows`: turning one row into a record, or into the reason it cannot be one;
- :mod:`adapters.db.poll_watermark`: a watermark position kept as text in the adapter's checkpoints;
- :mod:`adapters.db.schema`: the exchange tables the default configs expect, as DDL.
"""

# Import the modules directly (the registry does).
__all__ = [
    "database",
    "poll",
    "poll_config",
    "poll_watermark",
    "schema",
    "table_rows",
    "write",
]
