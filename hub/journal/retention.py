"""Retention: removing what is older than the configured period, in short transactions.

Each batch is its own transaction of at most ``batch_size`` rows per table, so purging a
large backlog never holds SQLite's write lock (or PostgreSQL row locks) for long: the journal
writer and delivery-key claims get their turn between batches.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select, tuple_

from hub.journal.engine import writing
from hub.journal.tables import DeliveryKeyRow, EventRow, MessageRow

DEFAULT_BATCH_SIZE = 500


def purge(engine: Engine, older_than: datetime, *, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Remove messages received before ``older_than`` with all their events, events before it
    whose message is not in the journal, and delivery keys first delivered before it.

    The audit trail is never purged. Returns the number of messages removed.
    """
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be > 0, got {batch_size}")
    removed = 0
    while batch := _purge_message_batch(engine, older_than, batch_size):
        removed += batch
    while _purge_orphan_event_batch(engine, older_than, batch_size):
        pass
    while _purge_key_batch(engine, older_than, batch_size):
        pass
    return removed


def _purge_message_batch(engine: Engine, older_than: datetime, batch_size: int) -> int:
    with writing(engine) as connection:
        ids = list(
            connection.scalars(
                select(MessageRow.message_id)
                .where(MessageRow.received_at < older_than)
                .limit(batch_size)
            )
        )
        if ids:
            connection.execute(delete(EventRow).where(EventRow.message_id.in_(ids)))
            connection.execute(delete(MessageRow).where(MessageRow.message_id.in_(ids)))
    return len(ids)


def _purge_orphan_event_batch(engine: Engine, older_than: datetime, batch_size: int) -> int:
    with writing(engine) as connection:
        ids = list(
            connection.scalars(
                select(EventRow.id)
                .where(
                    EventRow.at < older_than,
                    ~select(MessageRow.message_id)
                    .where(MessageRow.message_id == EventRow.message_id)
                    .exists(),
                )
                .limit(batch_size)
            )
        )
        if ids:
            connection.execute(delete(EventRow).where(EventRow.id.in_(ids)))
    return len(ids)


def _purge_key_batch(engine: Engine, older_than: datetime, batch_size: int) -> int:
    with writing(engine) as connection:
        keys = [
            tuple(row)
            for row in connection.execute(
                select(DeliveryKeyRow.destination, DeliveryKeyRow.content_hash)
                .where(DeliveryKeyRow.first_delivered_at < older_than)
                .limit(batch_size)
            )
        ]
        if keys:
            connection.execute(
                delete(DeliveryKeyRow).where(
                    tuple_(DeliveryKeyRow.destination, DeliveryKeyRow.content_hash).in_(keys)
                )
            )
    return len(keys)
