"""The delivery runner: one destination's queue, delivered once, retried, or dead-lettered.

Contract, per message of ``hub.out.<destination>``:
1. An envelope whose content hash this destination already received is acked and reported as a
   duplicate: at-least-once from the pipeline becomes effectively once at the destination.
2. Otherwise it is delivered, with short in-process retries (tenacity, exponential back-off with
   jitter) on transient errors. Success marks the content hash delivered, then acks.
3. A delivery still failing transiently is parked in the next ``hub.delay.<d>`` queue of the
   schedule; it comes back to this queue after the delay. Meanwhile the runner pauses before the
   next message (growing up to ``max_pause``), so a destination that is down is not hammered and
   its queue is not churned. Other destinations have their own runners and are not held up.
4. A permanent failure, an unreadable envelope, or a transient one past the end of the schedule
   goes to ``hub.out.<destination>.dead`` with its reason, attempt count, first and last failure
   times, last error and the original body.
Parked and dead-lettered copies are confirmed by the broker before the original is acked. The
delivered mark is written after delivery, so a crash in between can deliver twice but never
loses a record.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from kombu.message import Message
from pydantic import ValidationError
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from hub.broker import BrokerSession, body_bytes
from hub.delivery.destinations import Destination
from hub.delivery.schedule import Delay
from hub.envelope import Envelope, epoch_ms, utc_now
from hub.errors import PermanentError, PublishNotConfirmed, TransientError
from hub.loop import ConsumerLoop
from hub.messages import OutboundMessage
from hub.publisher import ConfirmedPublisher
from hub.topology import DEAD, PARKED_AT_HEADER, Topology, outbound_queue_name

log = logging.getLogger(__name__)

ATTEMPT = "hub-delivery-attempt"
FIRST_FAILURE = "hub-first-failure-at"
LAST_FAILURE = "hub-last-failure-at"
LAST_ERROR = "hub-last-error"
DEAD_REASON = "hub-dead-reason"
CONFIRM_TIMEOUT_SECONDS = 30.0


class DeliveredKeys(Protocol):
    """The persistent idempotency store (see :mod:`hub.journal`)."""

    def delivered(self, destination: str, content_hash: str) -> bool: ...

    def mark_delivered(self, destination: str, content_hash: str, message_id: str) -> None: ...


@dataclass(frozen=True)
class DeliveryEvent:
    """What happened to one delivery: delivered, duplicate, retried, failed or dead_lettered."""

    kind: str
    destination: str
    envelope: Envelope | None
    attempt: int
    detail: str
    at: datetime


@dataclass(frozen=True)
class RunnerPolicy:
    """How hard to try. ``schedule`` is the broker-level delays after the in-process attempts."""

    schedule: tuple[Delay, ...]
    attempts_in_process: int = 3
    first_wait_seconds: float = 0.5
    max_pause_seconds: float = 60.0
    prefetch: int = 16


class DeliveryRunner(ConsumerLoop):
    """Delivers ``hub.out.<destination>`` to one :class:`Destination`."""

    def __init__(
        self,
        broker_url: str,
        topology: Topology,
        destination_id: str,
        destination: Destination,
        keys: DeliveredKeys,
        policy: RunnerPolicy,
        *,
        on_event: Callable[[DeliveryEvent], None] | None = None,
    ) -> None:
        super().__init__(broker_url, topology)
        self.destination_id = destination_id
        self.destination = destination
        self.keys = keys
        self.policy = policy
        self._on_event = on_event or (lambda event: None)
        self._queue = next(q for q in topology.queues if q.name == outbound_queue_name(destination_id))
        self._pause = 0.0

    def run(self) -> None:
        """Start the destination, deliver until stopped, then close the destination.

        A destination that cannot be reached at start is not fatal (its deliveries are retried
        along the schedule); a :class:`ConfigError` from it is, and stops the hub.
        """
        try:
            self.destination.start()
        except TransientError as e:
            log.warning("%s: not reachable at start (%s); deliveries will be retried",
                        self.destination_id, e)
        try:
            super().run()
        finally:
            self.destination.close()

    def consume(self, session: BrokerSession) -> None:
        publisher = session.publisher()
        received: list[Message] = []
        consumer = session.consumer(self._queue, received.append, prefetch=self.policy.prefetch)
        self.ready.set()
        try:
            while not self.stopping:
                session.drain(0.2)
                while received and not self.stopping:
                    self._handle(received.pop(0), publisher)
        finally:
            consumer.cancel()

    def _handle(self, message: Message, publisher: ConfirmedPublisher) -> None:
        headers = dict(message.headers or {})
        attempt = int(headers.get(ATTEMPT, 0)) + 1
        body = body_bytes(message)
        try:
            envelope = Envelope.from_bytes(body)
        except ValidationError as e:
            self._dead(message, headers, None, attempt, "envelope.invalid", str(e), publisher)
            return
        if self.keys.delivered(self.destination_id, envelope.content_hash):
            self._event("duplicate", envelope, attempt, envelope.content_hash)
            message.ack()
            return
        try:
            self._deliver(envelope, body)
        except PermanentError as e:
            self._dead(message, headers, envelope, attempt, "delivery.refused", str(e), publisher)
        except TransientError as e:
            self._park(message, headers, envelope, attempt, str(e), publisher)
        else:
            self.keys.mark_delivered(self.destination_id, envelope.content_hash, envelope.message_id)
            self._event("delivered", envelope, attempt, "")
            message.ack()
            self._pause = 0.0

    def _deliver(self, envelope: Envelope, body: bytes) -> None:
        retrying = Retrying(
            retry=retry_if_exception_type(TransientError),
            stop=stop_after_attempt(self.policy.attempts_in_process),
            wait=wait_exponential_jitter(multiplier=self.policy.first_wait_seconds, max=10),
            sleep=self.pause,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                self.destination.deliver(envelope, body)

    def _park(
        self,
        message: Message,
        headers: dict[str, Any],
        envelope: Envelope,
        attempt: int,
        error: str,
        publisher: ConfirmedPublisher,
    ) -> None:
        if attempt > len(self.policy.schedule):
            self._dead(message, headers, envelope, attempt, "delivery.exhausted", error, publisher)
            return
        delay = self.policy.schedule[attempt - 1]
        failed = {**_failure_headers(headers, attempt, error), PARKED_AT_HEADER: epoch_ms()}
        copy = _copy(message, delay.queue, self.destination_id, failed)
        self._confirm(publisher, copy)
        message.ack()
        self._event("retried", envelope, attempt, f"in {delay.label}: {error}")
        self._pause = min(max(self._pause * 2, 1.0), self.policy.max_pause_seconds)
        log.warning("%s: delivery failed (%s); retry in %s", self.destination_id, error, delay.label)
        self.pause(self._pause)

    def _dead(
        self,
        message: Message,
        headers: dict[str, Any],
        envelope: Envelope | None,
        attempt: int,
        code: str,
        error: str,
        publisher: ConfirmedPublisher,
    ) -> None:
        failed = _failure_headers(headers, attempt, error)
        failed[DEAD_REASON] = json.dumps(
            {
                "code": code,
                "destination": self.destination_id,
                "attempts": attempt,
                "first_failure_at": failed[FIRST_FAILURE],
                "last_failure_at": failed[LAST_FAILURE],
                "last_error": failed[LAST_ERROR],
            },
            ensure_ascii=False,
        )
        queue = outbound_queue_name(self.destination_id)
        self._confirm(publisher, _copy(message, DEAD, queue, failed))
        message.ack()
        self._event("dead_lettered", envelope, attempt, f"{code}: {error}")
        log.error("%s: dead-lettered after %d attempts: %s", self.destination_id, attempt, error)

    def _confirm(self, publisher: ConfirmedPublisher, copy: OutboundMessage) -> None:
        publisher.publish(copy)
        if publisher.settle(CONFIRM_TIMEOUT_SECONDS):
            raise PublishNotConfirmed("the broker refused a retry or dead-letter copy")

    def _event(self, kind: str, envelope: Envelope | None, attempt: int, detail: str) -> None:
        self._on_event(DeliveryEvent(kind, self.destination_id, envelope, attempt, detail, utc_now()))


def _failure_headers(headers: dict[str, Any], attempt: int, error: str) -> dict[str, Any]:
    now = utc_now().isoformat()
    return {
        **headers,
        ATTEMPT: attempt,
        FIRST_FAILURE: headers.get(FIRST_FAILURE, now),
        LAST_FAILURE: now,
        LAST_ERROR: error[:1000],
    }


def _copy(message: Message, exchange: str, routing_key: str, headers: dict[str, Any]) -> OutboundMessage:
    properties = message.properties or {}
    return OutboundMessage(
        exchange=exchange,
        routing_key=routing_key,
        body=body_bytes(message),
        content_type=message.content_type or "application/json",
        content_encoding=message.content_encoding,
        headers=headers,
        message_id=properties.get("message_id"),
        correlation_id=properties.get("correlation_id"),
    )
