"""The idempotency store: which record each destination has already received.

A delivery to a destination is claimed before it is sent: :meth:`DeliveryKeys.claim` inserts
the key (destination, content hash) if it is absent, in a single statement, so of any number
of concurrent claims of one key, in threads or processes, exactly one succeeds. The database's
primary key decides, not a read-then-write in Python. A delivery that fails after its claim
gives the key back with :meth:`DeliveryKeys.release` so the retry can claim it again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from hub.journal.engine import reading, writing
from hub.journal.tables import DeliveryKeyRow


class DeliveryKeys:
    """Claims of (destination, content hash) keys; thread-safe, one per :class:`Journal`."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime]) -> None:
        """``clock`` gives the (timezone-aware) time a key is first claimed."""
        self._engine = engine
        self._clock = clock
        insert: Callable[..., Any] = (
            postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        )
        # RETURNING says whether the row was inserted; the drivers' rowcount does not reliably.
        self._claim = (
            insert(DeliveryKeyRow)
            .on_conflict_do_nothing(
                index_elements=[DeliveryKeyRow.destination, DeliveryKeyRow.content_hash]
            )
            .returning(DeliveryKeyRow.message_id)
        )
        self._mark = insert(DeliveryKeyRow).on_conflict_do_nothing(
            index_elements=[DeliveryKeyRow.destination, DeliveryKeyRow.content_hash]
        )

    def claim(self, destination: str, content_hash: str, message_id: str) -> bool:
        """True if this is the first claim of the key: deliver. False if it was claimed (or
        delivered) before: the record is a duplicate for this destination; do not deliver."""
        with writing(self._engine) as connection:
            result = connection.execute(
                self._claim,
                {
                    "destination": destination,
                    "content_hash": content_hash,
                    "message_id": message_id,
                    "first_delivered_at": self._clock(),
                },
            )
            return result.first() is not None

    def delivered(self, destination: str, content_hash: str) -> bool:
        """Whether ``destination`` has the record already (a claim exists for the key)."""
        with reading(self._engine) as connection:
            found = connection.execute(
                select(DeliveryKeyRow.message_id).where(
                    DeliveryKeyRow.destination == destination,
                    DeliveryKeyRow.content_hash == content_hash,
                )
            ).first()
            return found is not None

    def delivered_among(self, destination: str, content_hashes: Collection[str]) -> set[str]:
        """Which of ``content_hashes`` ``destination`` has already (one query for a batch)."""
        if not content_hashes:
            return set()
        with reading(self._engine) as connection:
            return set(connection.scalars(
                select(DeliveryKeyRow.content_hash).where(
                    DeliveryKeyRow.destination == destination,
                    DeliveryKeyRow.content_hash.in_(set(content_hashes)),
                )
            ))

    def mark_all_delivered(self, destination: str, delivered: Sequence[tuple[str, str]]) -> None:
        """:meth:`mark_delivered` for each ``(content_hash, message_id)``, in one transaction."""
        if not delivered:
            return
        now = self._clock()
        with writing(self._engine) as connection:
            connection.execute(self._mark, [
                {"destination": destination, "content_hash": content_hash,
                 "message_id": message_id, "first_delivered_at": now}
                for content_hash, message_id in delivered
            ])

    def mark_delivered(self, destination: str, content_hash: str, message_id: str) -> None:
        """Record a completed delivery (a second mark of the same key changes nothing).

        The delivery runner checks :meth:`delivered` first, delivers, then marks: a crash in
        between may deliver twice, but never skips a record (a claim taken before delivering
        would mark as delivered a record that a crash then never delivered).
        """
        self.claim(destination, content_hash, message_id)

    def release(self, destination: str, content_hash: str) -> bool:
        """Forget a claim whose delivery failed. True if a claim was removed."""
        with writing(self._engine) as connection:
            result = connection.execute(
                delete(DeliveryKeyRow)
                .where(
                    DeliveryKeyRow.destination == destination,
                    DeliveryKeyRow.content_hash == content_hash,
                )
                .returning(DeliveryKeyRow.message_id)
            )
            return result.first() is not None
