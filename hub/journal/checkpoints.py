"""Adapter checkpoints in the journal's database: one small key -> text map per adapter.

Inbound adapters keep their progress here (a pull watermark, the row a file import reached), so
that it survives a restart and moves only after the broker confirmed what came before it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.journal.engine import reading, writing
from hub.journal.tables import CheckpointRow


class AdapterCheckpoints:
    """The checkpoints of one adapter instance (named ``adapter``); thread-safe."""

    def __init__(self, engine: Engine, adapter: str, *, clock: Callable[[], datetime]) -> None:
        self._engine = engine
        self.adapter = adapter
        self._clock = clock
        self._insert: Callable[..., Any] = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )

    def get(self, key: str) -> str | None:
        with reading(self._engine) as connection:
            value = connection.execute(
                select(CheckpointRow.value).where(
                    CheckpointRow.adapter == self.adapter, CheckpointRow.key == key
                )
            ).scalar_one_or_none()
        return value

    def put(self, key: str, value: str) -> None:
        now = self._clock()
        statement = self._insert(CheckpointRow).values(
            adapter=self.adapter, key=key, value=value, updated_at=now
        )
        statement = statement.on_conflict_do_update(
            index_elements=[CheckpointRow.adapter, CheckpointRow.key],
            set_={"value": value, "updated_at": now},
        )
        with writing(self._engine) as connection:
            connection.execute(statement)
