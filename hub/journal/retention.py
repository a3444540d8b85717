"""Retention: removing what is older than the configured period, in short transactions.

Each batch is its own transaction of at most ``batch_size`` rows per table, so purging a
large backlog never holds SQLite's write lock (or PostgreSQL row locks) for long: the journal
writer and delivery-key claims get their turn between batches.

Chained message rows (:mod:`hub.journal.chain`) are removed from the chain's start only: up to
the last link before the first row still within the period, so the rest of the chain stays
whole. Before they go, that last link is signed as an ``anchor`` checkpoint, where
``hub verify-log`` starts verifying what remains.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Engine, and_, delete, func, or_, select, tuple_

from hub.journal import chain
from hub.journal.engine import writing
from hub.journal.evidence import Evidence
from hub.journal.tables import (
    ChainCheckpointRow,
    DeliveryKeyRow,
    EventRow,
    MessageRow,
    PersonRow,
)

DEFAULT_BATCH_SIZE = 500


def purge(
    engine: Engine, older_than: datetime, *, batch_size: int = DEFAULT_BATCH_SIZE,
    evidence: Evidence | None = None,
) -> int:
    """Remove messages received before ``older_than`` with all their events and person
    digests, events before it whose message is not in the journal, and delivery keys first
    delivered before it. Chained rows go from the chain's start only (see the module's doc);
    without ``evidence`` (no key to sign the anchor) chained rows stay.

    The audit trail is never purged. Returns the number of messages removed.
    """
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    if batch_size <= 0:
        raise ValueError(f"batch_size must be > 0, got {batch_size}")
    last = _anchor(engine, older_than, evidence) if evidence is not None else 0
    removable = or_(
        and_(MessageRow.chain_seq.is_(None), MessageRow.received_at < older_than),
        MessageRow.chain_seq <= last,
    )
    removed = 0
    while batch := _purge_message_batch(engine, removable, batch_size):
        removed += batch
    while _purge_orphan_event_batch(engine, older_than, batch_size):
        pass
    while _purge_key_batch(engine, older_than, batch_size):
        pass
    return removed


def _anchor(engine: Engine, older_than: datetime, evidence: Evidence) -> int:
    """The last link of the messages chain that may go (0: none), signed as an anchor."""
    with writing(engine) as connection:
        first_kept = connection.scalar(
            select(func.min(MessageRow.chain_seq)).where(MessageRow.received_at >= older_than)
        )
        if first_kept is None:
            last = connection.scalar(select(func.max(MessageRow.chain_seq))) or 0
        else:
            last = first_kept - 1
        if last <= 0:
            return 0
        row = connection.execute(
            select(MessageRow.chain_hash).where(MessageRow.chain_seq == last)
        ).one_or_none()
        anchored = connection.scalar(
            select(func.count()).select_from(ChainCheckpointRow).where(
                ChainCheckpointRow.chain == chain.MESSAGES, ChainCheckpointRow.seq == last,
                ChainCheckpointRow.kind == "anchor",
            )
        )
        if row is not None and not anchored:
            chain.write_checkpoint(
                connection, evidence.keyring().active_signing_key(), chain.MESSAGES,
                chain.Head(last, row.chain_hash), datetime.now(UTC), "anchor",
            )
        return last


def _purge_message_batch(engine: Engine, removable: ColumnElement[bool], batch_size: int) -> int:
    with writing(engine) as connection:
        ids = list(
            connection.scalars(select(MessageRow.message_id).where(removable).limit(batch_size))
        )
        if ids:
            connection.execute(delete(PersonRow).where(PersonRow.message_id.in_(ids)))
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
