"""A department's front-end database (前置库): the exchange tables in SQLite or PostgreSQL.

``FrontDbSimulator(system, url)`` creates the tables of :mod:`adapters.db.schema` in the
database at ``url`` (a SQLite file, created if missing, or an existing PostgreSQL database):
``emit`` writes a new row into ``hub_outbox`` as the department would, ``received`` reads the
envelopes the hub wrote into ``hub_inbox``, and ``connection`` is the connections-file entry
(``db-poll`` on the outbox with status tracking, ``db-write`` into the inbox). A URL carrying a
password is given to the hub by ``env:`` reference; ``environment`` supplies the variable.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, insert, select
from sqlalchemy.engine import make_url

from adapters.db.database import check_url
from adapters.db.schema import (
    create_exchange_tables,
    exchange_tables,
    inbox_write_config,
    outbox_poll_config,
)


class FrontDbSimulator:
    """The exchange tables of system ``system`` in the database at ``url``."""

    def __init__(self, system: str, url: str, *, poll_seconds: float = 1.0) -> None:
        self.system = system
        self.url = url
        self._poll_seconds = poll_seconds
        self._outbox, self._inbox = exchange_tables(MetaData())
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._engine is not None:
                return
            parsed = check_url(self.url)  # postgresql:// means psycopg 3, as for the adapters
            if parsed.get_backend_name() == "sqlite" and parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(parsed)
            create_exchange_tables(engine)
            self._engine = engine

    def stop(self) -> None:
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    def connection(self) -> dict[str, Any]:
        url = self.url
        if make_url(self.url).password is not None:
            url = f"env:{self._variable()}"
        return {
            "mode": "db",
            "inbound": [outbox_poll_config(url, poll_seconds=self._poll_seconds)],
            "outbound": inbox_write_config(url),
        }

    def environment(self) -> dict[str, str]:
        if make_url(self.url).password is None:
            return {}
        return {self._variable(): self.url}

    def received(self) -> list[dict[str, Any]]:
        query = select(self._inbox.c.envelope).order_by(self._inbox.c.id)
        with self._open().connect() as connection:
            return [json.loads(text) for text in connection.scalars(query)]

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        self.insert(json.dumps(record, ensure_ascii=False), record_type)

    def insert(self, body: str, record_type: str) -> int:
        """Write a row as given (also malformed ones, for tests); returns its id."""
        statement = insert(self._outbox).values(record_type=record_type, body=body)
        with self._open().begin() as connection:
            key = connection.execute(statement).inserted_primary_key
        return int(key[0]) if key else 0

    def outbox(self) -> list[dict[str, Any]]:
        """Every outbox row (id, record_type, status, reason...), in id order."""
        return self._rows(self._outbox)

    def inbox(self) -> list[dict[str, Any]]:
        """Every inbox row as the hub wrote it, in id order."""
        return self._rows(self._inbox)

    def _rows(self, table: Table) -> list[dict[str, Any]]:
        with self._open().connect() as connection:
            result = connection.execute(select(table).order_by(table.c.id))
            return [dict(row._mapping) for row in result]

    def _open(self) -> Engine:
        if self._engine is None:
            raise RuntimeError(f"the {self.system} front-end database simulator is not started")
        return self._engine

    def _variable(self) -> str:
        return f"HUB_SIM_{self.system.upper().replace('-', '_')}_DB_URL"
