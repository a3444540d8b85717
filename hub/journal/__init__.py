"""The message journal: every hop of every message, the audit trail and delivery keys.

- :class:`Journal` stores and queries (SQLite embedded, PostgreSQL in production; the schema is
  migrated by Alembic when the journal is opened).
- :class:`JournalWriter` takes events off the pipeline's hot path and writes them in batches.
- :class:`DeliveryKeys` (``journal.delivery_keys``) is the idempotency store of destinations.
"""

from hub.journal.delivery_keys import DeliveryKeys
from hub.journal.journal import Journal
from hub.journal.journal_errors import JournalClosed, JournalUnavailable
from hub.journal.records import (
    EVENT_KINDS,
    AuditEntry,
    JournalEvent,
    JournalMessage,
    MessageQuery,
    PipelineOutcome,
    event_kind,
)
from hub.journal.writer import JournalWriter

__all__ = [
    "EVENT_KINDS",
    "AuditEntry",
    "DeliveryKeys",
    "Journal",
    "JournalClosed",
    "JournalEvent",
    "JournalMessage",
    "JournalUnavailable",
    "JournalWriter",
    "MessageQuery",
    "PipelineOutcome",
    "event_kind",
]
