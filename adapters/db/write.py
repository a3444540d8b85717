"""``db-write``: deliver each envelope as one row of a table in the department's database.

Contract:
- One row per envelope, keyed by its ``content_hash`` (the column needs a primary key, unique
  constraint or unique index of its own): ``INSERT ... ON CONFLICT (content_hash) DO NOTHING``
  on both PostgreSQL and SQLite, so a re-delivery leaves the table as it was.
- The database down, locked (past ``lock_timeout_seconds``), or the table missing or
  misconfigured: :class:`TransientError` (the runner retries; fixing the table lets the
  record through). A constraint the department set refusing the row, or a value the column
  cannot hold: :class:`PermanentError` (the record is dead-lettered with the reason).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import DateTime, Engine, column, table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import TableClause

from adapters.db.database import (
    WRITES,
    DatabaseConfig,
    Identifier,
    check_columns,
    open_engine,
    translate_errors,
    unique_column,
)
from adapters.sdk import (
    ConfigError,
    Health,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
)
from schemas.contract.envelope import Envelope


class InboxColumns(BaseModel):
    """Which column receives what; a column set to null is not written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    content_hash: Identifier = Field(
        default="content_hash", description="The envelope's content hash: the unique key."
    )
    envelope: Identifier = Field(default="envelope", description="The envelope as JSON text.")
    message_id: Identifier | None = Field(default="message_id", description="The hub message id.")
    source: Identifier | None = Field(default="source", description="The sending system's id.")
    record_type: Identifier | None = Field(default="record_type", description="The record type.")
    credit_code: Identifier | None = Field(
        default="credit_code", description="The credit code the record is filed under."
    )
    delivered_at: Identifier | None = Field(
        default="delivered_at", description="When the hub wrote the row (UTC)."
    )
    status: Identifier | None = Field(
        default="status", description="Status column the department updates as it works."
    )

    @model_validator(mode="after")
    def _distinct(self) -> InboxColumns:
        names = [v for v in self.model_dump().values() if v is not None]
        if len(names) != len(set(names)):
            raise ValueError("each column may receive one value only")
        return self


class DbWriteConfig(OutboundConfig, DatabaseConfig):
    """Insert one row per record into the department's inbox table."""

    table: Identifier = Field(default="hub_inbox", description="The table the department reads.")
    columns: InboxColumns = Field(
        default_factory=InboxColumns, description="Column names, when not the defaults."
    )
    status_new: str | int = Field(
        default="new", description="Status a new row is written with (if columns.status is set)."
    )


class DbWriteAdapter(OutboundAdapter[DbWriteConfig]):
    """Writes envelopes into an inbox table; the content hash makes re-delivery harmless."""

    kind: ClassVar[str] = "db-write"
    mode = "db"
    Config = DbWriteConfig
    summary: ClassVar[str] = "Insert each record as a row of a front-end database table."

    def __init__(self, config: DbWriteConfig, *, system: str) -> None:
        super().__init__(config, system=system)
        self._engine: Engine | None = None
        written = self._columns()
        self._table: TableClause = table(
            config.table,
            *[column(name, DateTime(timezone=True) if name == config.columns.delivered_at
                     else None) for name in written],
            schema=config.schema_name,
        )
        self._where = f"{config.schema_name}.{config.table}" if config.schema_name else config.table
        self._last = Health(True, "nothing delivered yet")

    def start(self) -> None:
        """Check the table: every configured column present, the content-hash column unique.

        :class:`ConfigError` if not; :class:`TransientError` if the database is unreachable.
        """
        config, engine = self.config, self._open()
        check_columns(engine, config.schema_name, config.table, self._columns())
        if not unique_column(engine, config.schema_name, config.table, config.columns.content_hash):
            raise ConfigError(
                f"{self._where}.{config.columns.content_hash} needs a unique constraint or "
                "index of its own (re-delivered records are recognised by it)"
            )

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise PermanentError(f"envelope {envelope.message_id} is not UTF-8 JSON") from e
        what = f"writing {envelope.content_hash} to {self._where}"
        try:
            statement = self._insert(self._values(envelope, text))
            with (
                translate_errors(what),
                self._open().connect().execution_options(**{WRITES: True}) as connection,
                connection.begin(),
            ):
                inserted = connection.execute(statement).rowcount
        except Exception as e:
            self._last = Health(False, str(e)[:300])
            raise
        self._last = Health(True, "last record written")
        if not inserted:
            self.log.info("%s already holds %s; nothing written", self._where,
                          envelope.content_hash)

    def health(self) -> Health:
        """The outcome of the last delivery (the table is only touched when delivering)."""
        return self._last

    def stop(self) -> None:
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    def _columns(self) -> list[str]:
        return [v for v in self.config.columns.model_dump().values() if v is not None]

    def _values(self, envelope: Envelope, text: str) -> dict[str, Any]:
        names = self.config.columns
        values: dict[str | None, Any] = {
            names.content_hash: envelope.content_hash,
            names.envelope: text,
            names.message_id: envelope.message_id,
            names.source: envelope.source,
            names.record_type: envelope.record_type,
            names.credit_code: envelope.credit_code,
            names.delivered_at: datetime.now(UTC),
            names.status: self.config.status_new,
        }
        return {name: value for name, value in values.items() if name is not None}

    def _insert(self, values: dict[str, Any]) -> Insert:
        key = [self.config.columns.content_hash]
        if self._open().dialect.name == "postgresql":
            return postgresql.insert(self._table).values(values).on_conflict_do_nothing(
                index_elements=key
            )
        return sqlite.insert(self._table).values(values).on_conflict_do_nothing(index_elements=key)

    def _open(self) -> Engine:
        if self._engine is None:
            self._engine = open_engine(self.config, f"supervision-hub {self.kind} {self.system}")
        return self._engine
