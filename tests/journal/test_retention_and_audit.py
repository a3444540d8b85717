"""Retention removes old messages, their events and delivery keys; the audit trail stays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, insert
from sqlalchemy.exc import IntegrityError

from hub.journal import AuditEntry, Journal, MessageQuery
from hub.journal.tables import AuditRow
from tests.journal.conftest import T0, event, message

CUTOFF = T0 + timedelta(days=30)
OLD, NEW = T0, T0 + timedelta(days=31)


def test_purge_removes_old_messages_with_their_events_and_keys_and_keeps_the_rest(
    journal: Journal, open_journal: Callable[..., Journal]
) -> None:
    journal.record(
        [message("old", at=OLD), message("new", at=NEW)],
        [
            event("old", "received", at=OLD),
            # Late events of an old message go with it.
            event("old", "retried", at=NEW),
            event("new", "received", at=NEW),
            # An old event whose message the journal never had.
            event("orphan", "delivered", at=OLD, destination="tax"),
        ],
    )
    keys = journal.delivery_keys
    assert _claim_at(open_journal, OLD, ["h-old"]) and _claim_at(open_journal, NEW, ["h-new"])
    journal.audit(AuditEntry("admin", "replay", "destination repaired", at=OLD, affected=1))

    assert journal.purge(CUTOFF) == 1

    assert journal.message("old") is None and journal.trace("old") == []
    assert journal.trace("orphan") == []
    assert [e.event for e in journal.trace("new")] == ["received"]
    assert journal.message("new") is not None
    assert keys.claim("tax", "h-old", "again") is True  # its key was forgotten
    assert keys.claim("tax", "h-new", "again") is False  # its key is still held
    assert [a.action for a in journal.audits()] == ["replay"]


def _claim_at(
    open_journal: Callable[..., Journal], at: datetime, hashes: list[str]
) -> bool:
    """Claim keys for tax as a journal whose clock says ``at``: True if all were new."""
    keys = open_journal(clock=lambda: at).delivery_keys
    return all(keys.claim("tax", h, "m") for h in hashes)


def test_purge_works_through_a_backlog_in_batches_until_nothing_old_is_left(
    journal: Journal, open_journal: Callable[..., Journal]
) -> None:
    olds = [message(f"old{n}", at=OLD + timedelta(seconds=n)) for n in range(7)]
    journal.record(olds, [event(m.message_id, "received", at=OLD) for m in olds])
    assert _claim_at(open_journal, OLD, [f"h{n}" for n in range(5)])
    assert journal.purge(CUTOFF, batch_size=2) == 7
    assert journal.find_messages(MessageQuery()) == []
    assert all(journal.trace(m.message_id) == [] for m in olds)
    assert journal.delivery_keys.claim("tax", "h4", "again") is True


def test_purge_with_nothing_old_removes_nothing(journal: Journal) -> None:
    journal.record([message("new", at=NEW)], [event("new", "received", at=NEW)])
    assert journal.purge(CUTOFF) == 0
    assert journal.message("new") is not None


def test_audits_come_back_newest_first_limited_and_since(journal: Journal) -> None:
    for n in range(4):
        journal.audit(
            AuditEntry(
                actor="zhang.wei",
                action="retry" if n % 2 else "replay",
                reason=f"tax system repaired ({n})",
                parameters={"destination": "tax", "message_ids": [f"m{n}"]},
                affected=n,
                dry_run=n == 0,
                at=T0 + timedelta(minutes=n),
            )
        )
    entries = journal.audits()
    assert [e.affected for e in entries] == [3, 2, 1, 0]
    assert entries[3].dry_run is True and entries[2].dry_run is False
    assert entries[0].parameters == {"destination": "tax", "message_ids": ["m3"]}
    assert entries[0].at == T0 + timedelta(minutes=3) and entries[0].id is not None
    assert [e.affected for e in journal.audits(limit=2)] == [3, 2]
    assert [e.affected for e in journal.audits(since=T0 + timedelta(minutes=2))] == [3, 2]


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_audit_entry_without_a_reason_is_refused(reason: str) -> None:
    with pytest.raises(ValueError, match="reason"):
        AuditEntry("admin", "replay", reason)


def test_the_database_refuses_a_reasonless_audit_row_from_any_writer(
    journal_url: str, open_journal: Callable[..., Journal]
) -> None:
    open_journal()  # creates the schema
    engine = create_engine(journal_url)
    row: dict[str, Any] = {
        "at": T0, "actor": "x", "action": "replay", "reason": "  ", "parameters": {},
        "affected": 0, "dry_run": False,
    }
    try:
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(AuditRow), row)
    finally:
        engine.dispose()
