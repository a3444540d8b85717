"""The exchange tables a department creates for the default ``db-poll`` and ``db-write`` configs.

- ``hub_outbox``: the department writes one row per record (``record_type``, ``body`` as JSON
  or XML text, ``status`` = ``new``); the hub sets ``status`` to ``taken`` (or ``error``, with
  ``reason``) and ``taken_at``.
- ``hub_inbox``: the hub writes one row per record for the department (the envelope JSON with
  its ``content_hash`` as unique key, ``message_id``, ``source``, ``record_type``,
  ``credit_code``, ``delivered_at``); the department updates ``status`` as it works.

:func:`exchange_ddl` prints the ``CREATE TABLE`` statements for a dialect so integrators know
what to create; :func:`create_exchange_tables` creates them (tests, simulators). The matching
configs are :func:`outbox_poll_config` and :func:`inbox_write_config`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

OUTBOX, INBOX = "hub_outbox", "hub_inbox"
_DIALECTS = {"postgresql": postgresql.dialect, "sqlite": sqlite.dialect}
#: A 64-bit id on PostgreSQL, SQLite's rowid alias (INTEGER PRIMARY KEY) there.
_ID = BigInteger().with_variant(Integer(), "sqlite")


def exchange_tables(
    metadata: MetaData, *, outbox: str = OUTBOX, inbox: str = INBOX
) -> tuple[Table, Table]:
    """The outbox (department -> hub) and inbox (hub -> department) tables, in ``metadata``."""
    out = Table(
        outbox, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("record_type", String(64), nullable=False),
        Column("body", Text, nullable=False),
        Column("status", String(16), nullable=False, server_default="new"),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("taken_at", DateTime(timezone=True)),
        Column("reason", String(255)),
    )
    Index(f"{outbox}_status_id", out.c.status, out.c.id)
    into = Table(
        inbox, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("content_hash", String(80), nullable=False, unique=True),
        Column("message_id", String(64), nullable=False),
        Column("source", String(64)),
        Column("record_type", String(64), nullable=False),
        Column("credit_code", String(18)),
        Column("envelope", Text, nullable=False),
        Column("delivered_at", DateTime(timezone=True), nullable=False),
        Column("status", String(16), nullable=False, server_default="new"),
    )
    Index(f"{inbox}_status_id", into.c.status, into.c.id)
    return out, into


def exchange_ddl(dialect: str = "postgresql", *, schema: str | None = None, **names: str) -> str:
    """``CREATE TABLE`` and ``CREATE INDEX`` statements for ``dialect`` (postgresql, sqlite)."""
    if dialect not in _DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; use one of {', '.join(_DIALECTS)}")
    target = _DIALECTS[dialect]()
    statements = []
    for table in exchange_tables(MetaData(schema=schema), **names):
        statements.append(str(CreateTable(table).compile(dialect=target)).strip())
        statements += [str(CreateIndex(i).compile(dialect=target)) for i in table.indexes]
    return ";\n\n".join(statements) + ";\n"


def create_exchange_tables(engine: Engine, *, schema: str | None = None, **names: str) -> None:
    """Create both tables (and their indexes) where they do not exist yet."""
    metadata = MetaData(schema=schema)
    exchange_tables(metadata, **names)
    metadata.create_all(engine)


def outbox_poll_config(url: str, *, table: str = OUTBOX, **options: Any) -> dict[str, Any]:
    """A ``db-poll`` config entry for the outbox :func:`exchange_tables` creates."""
    return {
        "kind": "db-poll", "url": url, "table": table, "body_column": "body",
        "record_type_column": "record_type", "reason_column": "reason",
        "taken_at_column": "taken_at", **options,
    }


def inbox_write_config(url: str, *, table: str = INBOX, **options: Any) -> dict[str, Any]:
    """A ``db-write`` config entry for the inbox :func:`exchange_tables` creates."""
    return {"kind": "db-write", "url": url, "table": table, **options}
