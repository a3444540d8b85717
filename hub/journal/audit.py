"""The audit trail of administrator actions; append-only and never purged.

With :class:`hub.journal.evidence.Evidence`, each entry is linked into the ``audit`` chain and
the chain's new head is signed at once: audit entries are few, and each is evidence of what an
administrator did.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from hub.journal import chain
from hub.journal.evidence import Evidence
from hub.journal.records import AuditEntry
from hub.journal.tables import AuditRow

_ENTRY_COLUMNS = tuple(c for c in AuditRow.__table__.c if c.name not in ("chain_seq", "chain_hash"))


def append(connection: Connection, entry: AuditEntry, evidence: Evidence | None = None) -> None:
    """Store ``entry`` (its ``id`` is assigned by the database)."""
    values: dict[str, Any] = {
        "at": entry.at, "actor": entry.actor, "action": entry.action, "reason": entry.reason,
        "parameters": dict(entry.parameters), "affected": entry.affected,
        "dry_run": entry.dry_run,
    }  # fmt: skip
    if evidence is None:
        connection.execute(insert(AuditRow).values(**values))
        return
    keyring = evidence.keyring()
    head = chain.lock_head(connection, chain.AUDIT)
    values["chain_seq"] = head.seq + 1
    values["chain_hash"] = chain.link(head.hash, chain.content(values, chain.AUDIT_LINKED))
    connection.execute(insert(AuditRow).values(**values))
    head = chain.Head(values["chain_seq"], values["chain_hash"])
    chain.move_head(connection, chain.AUDIT, head)
    chain.write_checkpoint(connection, keyring.active_signing_key(), chain.AUDIT, head,
                           datetime.now(UTC), "interval")


def recent(connection: Connection, *, limit: int, since: datetime | None) -> list[AuditEntry]:
    """Up to ``limit`` entries at or after ``since``, newest first."""
    if limit <= 0:
        raise ValueError(f"limit must be > 0, got {limit}")
    query = select(*_ENTRY_COLUMNS)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
    return [AuditEntry(**row._asdict()) for row in connection.execute(query)]
