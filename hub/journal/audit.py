"""The audit trail of administrator actions; append-only and never purged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select

from hub.journal.records import AuditEntry
from hub.journal.tables import AuditRow


def append(connection: Connection, entry: AuditEntry) -> None:
    """Store ``entry`` (its ``id`` is assigned by the database)."""
    connection.execute(
        insert(AuditRow).values(
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            reason=entry.reason,
            parameters=dict(entry.parameters),
            affected=entry.affected,
            dry_run=entry.dry_run,
        )
    )


def recent(connection: Connection, *, limit: int, since: datetime | None) -> list[AuditEntry]:
    """Up to ``limit`` entries at or after ``since``, newest first."""
    if limit <= 0:
        raise ValueError(f"limit must be > 0, got {limit}")
    query = select(*AuditRow.__table__.c)
    if since is not None:
        query = query.where(AuditRow.at >= since)
    query = query.order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
    return [AuditEntry(**row._asdict()) for row in connection.execute(query)]
