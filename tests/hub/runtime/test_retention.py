"""Journal retention inside hub run: old entries go, recent ones stay."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hub.journal import Journal, JournalEvent, JournalMessage
from hub.runtime.journal_retention import RetentionLoop
from schemas.contract.envelope import utc_now


def _message(message_id: str, days_ago: int) -> tuple[JournalMessage, JournalEvent]:
    at = utc_now() - timedelta(days=days_ago)
    message = JournalMessage(
        message_id=message_id, received_at=at, source="market", record_type="administrative_licence",
        routing_key="market.administrative_licence", correlation_id=message_id, body=b"{}",
    )
    event = JournalEvent(message_id=message_id, event="received", at=at, source="market",
                         record_type="administrative_licence", correlation_id=message_id)
    return message, event


def test_retention_removes_what_is_older_than_the_configured_days(tmp_path: Path) -> None:
    journal = Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite'}")
    old, old_event = _message("old", days_ago=100)
    new, new_event = _message("new", days_ago=10)
    journal.record([old, new], [old_event, new_event])
    assert RetentionLoop(journal, days=90).purge_once() == 1
    assert journal.message("old") is None and journal.trace("old") == []
    assert journal.message("new") is not None and len(journal.trace("new")) == 1
    journal.close()
