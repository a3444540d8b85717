"""Shared by the admin API's attack tests: a hub with something to lose, and tokens of each role.

:func:`admin_world` builds the admin API of a hub on a given broker with a journal in a
temporary directory, and puts there what an attacker would like to move: one dead letter of
credit-platform and one journaled input (replayable). :meth:`AdminWorld.state` is what a
refused or dry-run request must leave unchanged: the dead letters, what waits in
``hub.inbound`` (where a replay publishes), and the audit trail's real actions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from hub.admin.dead_letters import dead_letter_queue
from hub.app.http.admin_api import create_app
from hub.app.http.auth import parse_tokens
from hub.assembly import Hub
from hub.config.settings import load_settings
from hub.delivery.parking import DEAD_REASON
from hub.journal import Journal, JournalEvent, JournalMessage
from hub.runtime.broker import BrokerSession
from schemas.contract.messages import OutboundMessage
from schemas.contract.states import EventKind
from schemas.contract.topology import INBOUND

CODE = "91310112087994932F"
DESTINATION = "credit-platform"
DEAD_ID = "dead-letter-1"
INPUT_ID = "journaled-input-1"

OPERATOR_TOKEN = "operator-7c1e9a3f5b2d4e6a"
VIEWER_TOKEN = "viewer-2b8d4f6a1c3e5a7b9d"
LEGACY_TOKEN = "legacy-5e3c1a9f7d2b4c6e8a"
#: One actor of each kind: an operator, a viewer, and one in the old actor:token form.
TOKENS_TEXT = (f"ops-li:operator:{OPERATOR_TOKEN},auditor-wang:viewer:{VIEWER_TOKEN},"
               f"old-zhao:{LEGACY_TOKEN}")

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
LEGACY = {"Authorization": f"Bearer {LEGACY_TOKEN}"}
ANONYMOUS: dict[str, str] = {}


@dataclass
class AdminWorld:
    client: TestClient
    hub: Hub
    journal: Journal
    session: BrokerSession

    def state(self) -> tuple[int, int, int]:
        """(dead letters of credit-platform, inputs waiting in hub.inbound, real actions audited)."""
        real = sum(1 for entry in self.journal.audits(limit=10_000) if not entry.dry_run)
        return (self.session.queue_depth(dead_letter_queue(DESTINATION)),
                self.session.queue_depth(INBOUND), real)


@contextmanager
def admin_world(
    broker_url: str, tmp_path: Path, *, journal_url: str | None = None
) -> Iterator[AdminWorld]:
    """The admin API (tokens of :data:`TOKENS_TEXT`) of a hub on ``broker_url``, seeded; its
    journal at ``journal_url`` (default: SQLite in ``tmp_path``)."""
    overrides = {} if journal_url is None else {"journal_url": journal_url}
    hub = Hub(load_settings(broker_url=broker_url, data_dir=tmp_path, **overrides))
    journal = hub.open_journal()
    session = hub.session()
    try:
        session.open()  # declares the topology: the dead-letter queue and hub.inbound exist
        _seed_dead_letter(session)
        journal.record(messages=[_journaled_input()], events=[_received()])
        with TestClient(create_app(hub, tokens=parse_tokens(TOKENS_TEXT), journal=journal)) as client:
            yield AdminWorld(client, hub, journal, session)
    finally:
        session.close()
        journal.close()


def error_of(response: object) -> dict[str, object]:
    """The ``error`` of a response in the documented shape; fails the test for any other shape."""
    from hub.app.http.models import ErrorOut

    body = response.json()  # type: ignore[attr-defined]
    return ErrorOut.model_validate(body).error.model_dump()


def _seed_dead_letter(session: BrokerSession) -> None:
    reason = {"code": "delivery.refused", "destination": DESTINATION, "attempts": 3,
              "last_error": "answered 422"}
    envelope = {"message_id": DEAD_ID, "credit_code": CODE, "payload": {}}
    publisher = session.publisher()
    publisher.publish(OutboundMessage(
        exchange="", routing_key=dead_letter_queue(DESTINATION),
        body=json.dumps(envelope).encode(), content_type="application/json",
        content_encoding="utf-8",
        headers={DEAD_REASON: json.dumps(reason), "hub-credit-code": CODE, "hub-source": "market"},
        message_id=DEAD_ID, correlation_id="corr-1",
    ))
    assert not publisher.settle(30), "the broker refused the seeded dead letter"


def _journaled_input() -> JournalMessage:
    return JournalMessage(
        message_id=INPUT_ID, received_at=datetime(2026, 11, 28, 4, tzinfo=UTC), source="market",
        record_type="administrative_licence", routing_key="market.administrative_licence",
        correlation_id="corr-2", body=b'{"licence": 1}', content_type="application/json",
        content_encoding="utf-8", source_message_id="src-2", credit_code=CODE,
    )


def _received() -> JournalEvent:
    return JournalEvent(
        message_id=INPUT_ID, event=EventKind.RECEIVED, at=datetime(2026, 11, 28, 4, tzinfo=UTC),
        source="market", record_type="administrative_licence", correlation_id="corr-2",
        credit_code=CODE,
    )
