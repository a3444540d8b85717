"""``db-poll``: take new rows from a department's exchange table, by status flag or watermark.

Contract (see :class:`~adapters.db.poll_config.DbPollConfig` for the options):
- A row is marked taken (status tracking) or passed by the watermark (watermark tracking) only
  after ``port.submit`` returned for it, i.e. after the broker confirmed it. Status marks are
  written in the transaction that read (and, on PostgreSQL, locked with ``FOR UPDATE SKIP
  LOCKED``; on SQLite, under ``BEGIN IMMEDIATE``) the rows, so a crash or a lost database
  between submit and commit leaves the rows new: they are submitted again (at-least-once; the
  hub suppresses the duplicates by content hash), never lost.
- If the port fails part-way (a rejection after a successful submit), the rows it did confirm
  are still marked, the rest stay new, and the failure is raised.
- A row that cannot be made into a record is handed to ``port.reject`` (``adapter.row_invalid``)
  with the row as JSON, then set to ``status_error`` with the reason (always with status
  tracking; with ``mark_errors`` under watermark tracking), so it is not read again.
- A locked table, a database that is down, ``database is locked``: :class:`TransientError`,
  nothing marked, nothing advanced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Select,
    and_,
    bindparam,
    column,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.sql.expression import ColumnElement, TableClause

from adapters.db import poll_watermark as watermark
from adapters.db.database import WRITES, check_columns, open_engine, translate_errors
from adapters.db.poll_config import DbPollConfig
from adapters.db.table_rows import read_row, record_type_of, row_json
from adapters.sdk import (
    InboundPort,
    InboundRecord,
    PermanentError,
    PollingInboundAdapter,
    RecordProblem,
    TransientError,
)

Row = Mapping[str, Any]


@dataclass(frozen=True)
class _Mark:
    """What to write on one row once the port confirmed it."""

    key: Any
    status: str | int
    reason: str | None = None


@dataclass
class _Handover:
    """The outcome of handing one batch to the port."""

    marks: list[_Mark]
    failure: Exception | None
    handled: int


class DbPollAdapter(PollingInboundAdapter[DbPollConfig]):
    """Polls one exchange table; each row is one record. ``poll`` returns the rows handled
    (submitted or refused), so a full batch is followed at once by the next."""

    kind: ClassVar[str] = "db-poll"
    mode = "db"
    Config = DbPollConfig
    summary: ClassVar[str] = (
        "Take new rows from a front-end database table (status flag or watermark)."
    )

    def __init__(self, config: DbPollConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self._engine: Engine | None = None
        names = {*config.selected_columns(), *config.written_columns()}
        types = {config.taken_at_column: DateTime(timezone=True)}
        self._table: TableClause = table(
            config.table,
            *[column(name, types.get(name)) for name in sorted(names)],
            schema=config.schema_name,
        )
        self._where = f"{config.schema_name}.{config.table}" if config.schema_name else config.table
        self._checkpoint = f"watermark:{config.table}:{config.watermark_column}"

    def start(self) -> None:
        """Check the table has every configured column (:class:`ConfigError` if not,
        :class:`TransientError` if the database is unreachable), then start polling."""
        config = self.config
        found = check_columns(
            self._open(), config.schema_name, config.table,
            [*config.selected_columns(), *config.written_columns()],
        )
        mark = config.watermark_column
        if mark is not None and mark != config.key_column and found[mark].get("nullable", True):
            self.log.warning("%s.%s may be NULL; such rows are never taken", self._where, mark)
        super().start()

    def stop(self) -> None:
        """Stop polling (a batch in progress finishes first), then close the connections."""
        super().stop()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.dispose()

    def poll(self) -> int:
        if self.config.tracking == "status":
            return self._poll_status(self._open())
        return self._poll_watermark(self._open())

    # -- status tracking --------------------------------------------------------------------

    def _poll_status(self, engine: Engine) -> int:
        c, config = self._table.c, self.config
        query = (
            self._select()
            .where(c[config.status_column] == config.status_new)
            .order_by(c[config.key_column])
            .with_for_update(skip_locked=True)  # PostgreSQL only; SQLite holds BEGIN IMMEDIATE
        )
        with (
            translate_errors(f"taking rows from {self._where}"),
            engine.connect().execution_options(**{WRITES: True}) as connection,
            connection.begin(),
        ):
            rows = [dict(r._mapping) for r in connection.execute(query)]
            handover = self._hand_over(rows)
            self._mark(connection, handover.marks)
        if handover.failure is not None:
            raise handover.failure
        return handover.handled

    # -- watermark tracking -----------------------------------------------------------------

    def _poll_watermark(self, engine: Engine) -> int:
        config = self.config
        key, mark = self._table.c[config.key_column], self._table.c[config.watermark_column or ""]
        stored = self.port.checkpoints.get(self._checkpoint)
        query = self._select().where(mark.is_not(None)).order_by(mark, key)
        if stored is not None:
            query = query.where(self._after(watermark.decode(stored)))
        with (
            translate_errors(f"reading rows from {self._where}"),
            engine.connect() as connection,
            connection.begin(),
        ):
            rows = [dict(r._mapping) for r in connection.execute(query)]
        handover = self._hand_over(rows)
        done = {m.key for m in handover.marks}
        confirmed = 0
        while confirmed < len(rows) and rows[confirmed][config.key_column] in done:
            confirmed += 1
        if confirmed:
            position = watermark.encode(self._position(rows[confirmed - 1]))
            self.port.checkpoints.put(self._checkpoint, position)
        if config.mark_errors:
            refused = [m for m in handover.marks if m.status == config.status_error]
            self._mark_refusals(engine, refused)
        if handover.failure is not None:
            raise handover.failure
        return handover.handled

    def _position(self, row: Row) -> tuple[Any, ...]:
        config = self.config
        mark = row[config.watermark_column or ""]
        if config.watermark_column == config.key_column:
            return (mark,)
        return (mark, row[config.key_column])

    def _after(self, position: Sequence[Any]) -> ColumnElement[bool]:
        c, config = self._table.c, self.config
        mark = c[config.watermark_column or ""]
        if len(position) == 1:
            return mark > position[0]
        key = c[config.key_column]
        return or_(mark > position[0], and_(mark == position[0], key > position[1]))

    def _mark_refusals(self, engine: Engine, marks: list[_Mark]) -> None:
        if not marks:
            return
        try:
            with (
                translate_errors(f"marking refused rows of {self._where}"),
                engine.connect().execution_options(**{WRITES: True}) as connection,
                connection.begin(),
            ):
                self._mark(connection, marks)
        except (TransientError, PermanentError) as e:
            # They are quarantined and the watermark has passed them: only the marks are lost.
            self.log.warning("could not mark refused rows %s: %s", [m.key for m in marks], e)

    # -- shared -----------------------------------------------------------------------------

    def _select(self) -> Select[Any]:
        c, config = self._table.c, self.config
        return (
            select(*[c[name] for name in config.selected_columns()])
            .where(c[config.key_column].is_not(None))
            .limit(config.batch_size)
        )

    def _hand_over(self, rows: list[dict[str, Any]]) -> _Handover:
        """Submit the good rows, reject the bad ones; marks only for what the port confirmed."""
        config = self.config
        good: list[tuple[Row, InboundRecord]] = []
        bad: list[tuple[Row, RecordProblem]] = []
        for row in rows:
            result = read_row(config, row)
            if isinstance(result, InboundRecord):
                good.append((row, result))
            else:
                bad.append((row, result))
        marks: list[_Mark] = []
        try:
            if good:
                self.port.submit([record for _, record in good])
                marks += [_Mark(row[config.key_column], config.status_taken) for row, _ in good]
            for bad_row, problem in bad:
                key = bad_row[config.key_column]
                self.port.reject(
                    row_json(bad_row), problem, record_type=record_type_of(config, bad_row),
                    content_type="application/json", source_message_id=str(key),
                )
                reason = f"{problem.code}: {problem.message}"[: config.reason_max_chars]
                marks.append(_Mark(key, config.status_error, reason))
                self.log.warning("row %s refused: %s (%s)", key, problem.message, problem.code)
        except Exception as e:  # noqa: BLE001 - poll() raises it once the confirmed are marked
            return _Handover(marks, e, len(marks))
        return _Handover(marks, None, len(marks))

    def _mark(self, connection: Connection, marks: list[_Mark]) -> None:
        if not marks:
            return
        config, c = self.config, self._table.c
        values: dict[str, Any] = {config.status_column: bindparam("hub_status")}
        if config.reason_column is not None:
            values[config.reason_column] = bindparam("hub_reason")
        if config.taken_at_column is not None:
            values[config.taken_at_column] = bindparam("hub_at", type_=DateTime(timezone=True))
        statement = (
            update(self._table).where(c[config.key_column] == bindparam("hub_key")).values(values)
        )
        now = datetime.now(UTC)
        params: list[dict[str, Any]] = []
        for m in marks:
            row: dict[str, Any] = {"hub_key": m.key, "hub_status": m.status}
            if config.reason_column is not None:
                row["hub_reason"] = m.reason
            if config.taken_at_column is not None:
                row["hub_at"] = now
            params.append(row)
        connection.execute(statement, params)

    def _open(self) -> Engine:
        if self._engine is None:
            self._engine = open_engine(self.config, f"supervision-hub {self.kind} {self.system}")
        return self._engine
