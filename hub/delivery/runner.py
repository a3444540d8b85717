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

A :class:`BatchDestination` (the supervision database) gets the messages that have arrived, up
to the policy's ``batch_size``, in one call, with one idempotency query and one mark for all of
them; the contract above holds per message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from kombu.message import Message
from pydantic import ValidationError
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from hub.config.retry_schedule import Delay
from hub.delivery.destinations import BatchDestination, Destination
from hub.delivery.parking import (
    ATTEMPT,
    CONFIRM_TIMEOUT_SECONDS,
    DEAD_REASON,
    FIRST_FAILURE,
    LAST_ERROR,
    LAST_FAILURE,
    ParkingLoop,
)
from hub.runtime.broker import body_bytes
from hub.runtime.declarations import Topology
from hub.runtime.publisher import ConfirmedPublisher
from schemas.contract.envelope import Envelope, utc_now
from schemas.contract.errors import PermanentError, TransientError
from schemas.contract.problems import (
    DELIVERY_EXHAUSTED,
    DELIVERY_REFUSED,
    ENVELOPE_INVALID,
)
from schemas.contract.states import DeliveryKind, EventKind

__all__ = [
    "ATTEMPT", "CONFIRM_TIMEOUT_SECONDS", "DEAD_REASON", "FIRST_FAILURE", "LAST_ERROR",
    "LAST_FAILURE", "DeliveredKeys", "DeliveryEvent", "DeliveryRunner", "RunnerPolicy",
]

log = logging.getLogger(__name__)


class DeliveredKeys(Protocol):
    """The persistent idempotency store (see :mod:`hub.journal`)."""

    def delivered(self, destination: str, content_hash: str) -> bool: ...

    def delivered_among(self, destination: str, content_hashes: Collection[str]) -> set[str]: ...

    def mark_delivered(self, destination: str, content_hash: str, message_id: str) -> None: ...

    def mark_all_delivered(self, destination: str, delivered: Sequence[tuple[str, str]]
                           ) -> None: ...


@dataclass(frozen=True)
class DeliveryEvent:
    """What happened to one delivery: delivered, duplicate, retried, failed or dead_lettered."""

    kind: DeliveryKind
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
    #: At most this many envelopes per batch, for a :class:`BatchDestination`, and at most
    #: this many bytes of them (large records make smaller batches).
    batch_size: int = 200
    batch_bytes: int = 1024 * 1024


class DeliveryRunner(ParkingLoop):
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
        super().__init__(broker_url, topology, destination_id, schedule=policy.schedule,
                         prefetch=policy.prefetch, max_pause=policy.max_pause_seconds)
        self.destination_id = destination_id
        self.destination = destination
        self.keys = keys
        self.policy = policy
        self._on_event = on_event or (lambda event: None)
        if isinstance(destination, BatchDestination):
            self.batch_size = policy.batch_size
            self.batch_bytes = policy.batch_bytes

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

    def handle(self, message: Message, publisher: ConfirmedPublisher) -> None:
        attempt = self.attempt_of(message)
        body = body_bytes(message)
        try:
            envelope = Envelope.from_bytes(body)
        except ValidationError as e:
            self._dead(message, None, attempt, ENVELOPE_INVALID, str(e), publisher)
            return
        if self.keys.delivered(self.destination_id, envelope.content_hash):
            self._event(EventKind.DUPLICATE, envelope, attempt, envelope.content_hash)
            message.ack()
            return
        try:
            self._deliver(envelope, body)
        except PermanentError as e:
            self._dead(message, envelope, attempt, DELIVERY_REFUSED, str(e), publisher)
        except TransientError as e:
            self._park(message, envelope, attempt, str(e), publisher)
        else:
            self.keys.mark_delivered(self.destination_id, envelope.content_hash, envelope.message_id)
            self._event(EventKind.DELIVERED, envelope, attempt, "")
            message.ack()
            self.settled()

    def handle_batch(self, messages: list[Message], publisher: ConfirmedPublisher) -> None:
        """Several messages for a :class:`BatchDestination`: one idempotency query, one
        delivery, one mark for all of them. The contract is the one-at-a-time contract: an
        unreadable envelope is dead-lettered and a duplicate acked as before; a record the
        destination refuses is dead-lettered alone; if the batch as a whole fails, each
        message is handled alone (retried, parked or dead-lettered on its own)."""
        if len(messages) == 1 or not isinstance(self.destination, BatchDestination):
            super().handle_batch(messages, publisher)
            return
        fresh: dict[str, tuple[Message, Envelope, bytes]] = {}
        duplicates: list[tuple[Message, Envelope]] = []
        for message in messages:
            body = body_bytes(message)
            try:
                envelope = Envelope.from_bytes(body)
            except ValidationError as e:
                self._dead(message, None, self.attempt_of(message), ENVELOPE_INVALID, str(e),
                           publisher)
                continue
            if envelope.content_hash in fresh:
                duplicates.append((message, envelope))
            else:
                fresh[envelope.content_hash] = (message, envelope, body)
        held = self.keys.delivered_among(self.destination_id, fresh.keys())
        for content_hash in held:
            message, envelope, _body = fresh.pop(content_hash)
            duplicates.append((message, envelope))
        batch = list(fresh.values())
        try:
            refusals = (self.destination.deliver_batch([(e, b) for _m, e, b in batch])
                        if batch else [])
        except (PermanentError, TransientError) as e:
            log.warning("%s: a batch of %d failed (%s); delivering them one at a time",
                        self.destination_id, len(batch), e)
            super().handle_batch([message for message, _e, _b in batch], publisher)
        else:
            self._settle_batch(batch, refusals, publisher)
        # After the batch: a copy received beside its first is a duplicate once that one is
        # delivered, and handled alone (delivered) if it was not.
        for message, envelope in duplicates:
            if self.stopping:
                return  # unacked: redelivered
            if self.keys.delivered(self.destination_id, envelope.content_hash):
                self._event(EventKind.DUPLICATE, envelope, self.attempt_of(message),
                            envelope.content_hash)
                message.ack()
            else:
                self.handle(message, publisher)

    def _settle_batch(self, batch: list[tuple[Message, Envelope, bytes]],
                      refusals: list[PermanentError | None], publisher: ConfirmedPublisher) -> None:
        delivered = [(message, envelope) for (message, envelope, _body), refusal
                     in zip(batch, refusals, strict=True) if refusal is None]
        self.keys.mark_all_delivered(self.destination_id, [
            (envelope.content_hash, envelope.message_id) for _message, envelope in delivered])
        for (message, envelope, _body), refusal in zip(batch, refusals, strict=True):
            if refusal is not None:
                self._dead(message, envelope, self.attempt_of(message), DELIVERY_REFUSED,
                           str(refusal), publisher)
        for message, envelope in delivered:
            self._event(EventKind.DELIVERED, envelope, self.attempt_of(message), "")
            message.ack()
        self.settled()

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

    def _park(self, message: Message, envelope: Envelope, attempt: int, error: str,
              publisher: ConfirmedPublisher) -> None:
        delay = self.park(message, attempt, error, publisher)
        if delay is None:
            self._dead(message, envelope, attempt, DELIVERY_EXHAUSTED, error, publisher)
            return
        self._event(EventKind.RETRIED, envelope, attempt, f"in {delay.label}: {error}")
        log.warning("%s: delivery failed (%s); retry in %s", self.destination_id, error, delay.label)
        self.back_off()

    def _dead(self, message: Message, envelope: Envelope | None, attempt: int, code: str,
              error: str, publisher: ConfirmedPublisher) -> None:
        self.dead_letter(message, attempt, code, error, publisher)
        self._event(EventKind.DEAD_LETTERED, envelope, attempt, f"{code}: {error}")
        log.error("%s: dead-lettered after %d attempts: %s", self.destination_id, attempt, error)

    def _event(self, kind: DeliveryKind, envelope: Envelope | None, attempt: int, detail: str) -> None:
        self._on_event(DeliveryEvent(kind, self.destination_id, envelope, attempt, detail, utc_now()))
