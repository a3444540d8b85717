"""Reading dead-letter queues without losing anything.

A dead letter is read with ``basic_get`` and, unless it is being retried, rejected back to its
queue (``requeue``), so listing and showing never remove one. Its description comes from the
headers the delivery runner wrote (reason, attempts, times, last error) and from its envelope.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from kombu import Queue
from kombu.message import Message

from hub.delivery.runner import DEAD_REASON
from hub.runtime.broker import BrokerSession
from schemas.contract.topology import outbound_queue_name

#: Most dead letters looked at in one call; more wait for the next call.
SCAN_LIMIT = 10_000


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter as an administrator sees it."""

    queue: str
    message_id: str | None
    destination: str | None
    source: str | None
    record_type: str | None
    credit_code: str | None
    reason: str | None
    attempts: int | None
    first_failure_at: str | None
    last_failure_at: str | None
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def dead_letter_queue(destination: str) -> str:
    return f"{outbound_queue_name(destination)}.dead"


def describe(queue: str, message: Message) -> DeadLetter:
    headers = dict(message.headers or {})
    reason: dict[str, Any] = {}
    if DEAD_REASON in headers:
        try:
            reason = json.loads(headers[DEAD_REASON])
        except ValueError:
            reason = {"code": "unreadable", "last_error": str(headers[DEAD_REASON])}
    return DeadLetter(
        queue=queue,
        message_id=(message.properties or {}).get("message_id"),
        destination=reason.get("destination"),
        source=headers.get("hub-source"),
        record_type=headers.get("hub-record-type"),
        credit_code=headers.get("hub-credit-code"),
        reason=reason.get("code"),
        attempts=reason.get("attempts"),
        first_failure_at=reason.get("first_failure_at"),
        last_failure_at=reason.get("last_failure_at"),
        last_error=reason.get("last_error"),
    )


def scan(
    session: BrokerSession,
    queue: str,
    take: Callable[[DeadLetter], bool],
    *,
    limit: int = SCAN_LIMIT,
) -> Iterator[tuple[DeadLetter, Message]]:
    """Yield ``(dead letter, message)`` for those ``take`` selects; put every other one back.

    The caller must ack or requeue each message it is given, but requeue only after the scan:
    on some transports a requeued message is the next one read.
    """
    bound = Queue(queue, no_declare=True)(session.default_channel)
    skipped: list[Message] = []
    try:
        for _ in range(limit):
            message = bound.get(no_ack=False)
            if message is None:
                break
            letter = describe(queue, message)
            if take(letter):
                yield letter, message
            else:
                skipped.append(message)
    finally:
        for message in skipped:
            message.requeue()

