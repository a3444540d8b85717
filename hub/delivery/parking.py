"""Consuming one ``hub.out.<x>`` queue a message (or a batch) at a time, with parking and dead
letters.

Shared by the delivery runners and the review verifier. A :class:`ParkingLoop` subclass
implements :meth:`ParkingLoop.handle`; for a message that failed it calls :meth:`park` (a copy
to the next ``hub.delay.<d>`` queue of the schedule, which comes back to this queue after the
delay) or :meth:`dead_letter` (a copy to ``hub.out.<x>.dead`` with its reason, attempt count,
first and last failure times and last error). Each copy is confirmed by the broker before the
original is acked. After a park the loop pauses before its next message, the pause doubling up
to ``max_pause``, so a system that is down is neither hammered nor its queue churned.
"""

from __future__ import annotations

import json
from typing import Any

from kombu.message import Message

from hub.config.retry_schedule import Delay
from hub.runtime.broker import BrokerSession, body_bytes
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import Topology
from hub.runtime.publisher import ConfirmedPublisher
from schemas.contract.envelope import epoch_ms, utc_now
from schemas.contract.errors import PublishNotConfirmed
from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import DEAD, PARKED_AT_HEADER, outbound_queue_name

ATTEMPT = "hub-delivery-attempt"
FIRST_FAILURE = "hub-first-failure-at"
LAST_FAILURE = "hub-last-failure-at"
LAST_ERROR = "hub-last-error"
DEAD_REASON = "hub-dead-reason"
CONFIRM_TIMEOUT_SECONDS = 30.0
#: How long a batch waits for a message the broker is already sending.
_TOP_UP_SECONDS = 0.005


class ParkingLoop(ConsumerLoop):
    """Consumes ``hub.out.<owner>`` one message, or :attr:`batch_size` messages, at a time;
    see the module doc."""

    def __init__(self, broker_url: str, topology: Topology, owner: str, *,
                 schedule: tuple[Delay, ...], prefetch: int, max_pause: float) -> None:
        super().__init__(broker_url, topology)
        self.owner = owner
        self.schedule = schedule
        self._prefetch = prefetch
        self._max_pause = max_pause
        self._queue = next(q for q in topology.queues if q.name == outbound_queue_name(owner))
        self._pause = 0.0
        #: How many received messages :meth:`handle_batch` gets at once (1: one at a time), and
        #: how many bytes of bodies at most.
        self.batch_size = 1
        self.batch_bytes = 1024 * 1024

    def handle(self, message: Message, publisher: ConfirmedPublisher) -> None:
        """Settle ``message``: ack it, or park or dead-letter it. Subclasses implement it."""
        raise TypeError(f"{type(self).__name__} must implement handle()")

    def handle_batch(self, messages: list[Message], publisher: ConfirmedPublisher) -> None:
        """Settle up to :attr:`batch_size` messages received together; by default one at a
        time, until the loop is asked to stop (what is left is redelivered)."""
        for message in messages:
            if self.stopping:
                return
            self.handle(message, publisher)

    def consume(self, session: BrokerSession) -> None:
        publisher = session.publisher()
        received: list[Message] = []
        consumer = session.consumer(self._queue, received.append,
                                    prefetch=max(self._prefetch, self.batch_size))
        self.ready.set()
        try:
            while not self.stopping:
                if session.drain(0.2):
                    # A batch takes what has already arrived, not what might arrive soon.
                    while len(received) < self.batch_size and session.drain(_TOP_UP_SECONDS):
                        pass
                while received and not self.stopping:
                    batch = self._next_batch(received)
                    self.handle_batch(batch, publisher)
        finally:
            consumer.cancel()

    def _next_batch(self, received: list[Message]) -> list[Message]:
        """Take the first messages of ``received``: at most :attr:`batch_size` of them, and no
        more than :attr:`batch_bytes` of bodies (one at least), so a batch of large records
        holds no more memory than a batch of small ones."""
        taken, size = 0, 0
        while taken < min(self.batch_size, len(received)):
            size += len(body_bytes(received[taken]))
            if taken and size > self.batch_bytes:
                break
            taken += 1
        batch = received[:taken]
        del received[:taken]
        return batch

    @staticmethod
    def attempt_of(message: Message) -> int:
        """This message's attempt number: 1, then one more after each park."""
        return int((message.headers or {}).get(ATTEMPT, 0)) + 1

    def park(self, message: Message, attempt: int, error: str,
             publisher: ConfirmedPublisher) -> Delay | None:
        """Park ``message`` for the schedule's next delay and ack it; the delay used, or None
        (nothing done) when the schedule is exhausted: the caller dead-letters it then. The
        caller reports the park, then calls :meth:`back_off`."""
        if attempt > len(self.schedule):
            return None
        delay = self.schedule[attempt - 1]
        headers = {**_failure_headers(message, attempt, error), PARKED_AT_HEADER: epoch_ms()}
        self.confirm(publisher, [_copy(message, delay.queue, self.owner, headers)])
        message.ack()
        return delay

    def back_off(self) -> None:
        """Pause before the next message, twice as long as last time (up to ``max_pause``)."""
        self._pause = min(max(self._pause * 2, 1.0), self._max_pause)
        self.pause(self._pause)

    def dead_letter(self, message: Message, attempt: int, code: str, error: str,
                    publisher: ConfirmedPublisher) -> None:
        """Copy ``message`` to ``hub.out.<owner>.dead`` with its reason, then ack it."""
        headers = _failure_headers(message, attempt, error)
        headers[DEAD_REASON] = json.dumps(
            {
                "code": code,
                "destination": self.owner,
                "attempts": attempt,
                "first_failure_at": headers[FIRST_FAILURE],
                "last_failure_at": headers[LAST_FAILURE],
                "last_error": headers[LAST_ERROR],
            },
            ensure_ascii=False,
        )
        queue = outbound_queue_name(self.owner)
        self.confirm(publisher, [_copy(message, DEAD, queue, headers)])
        message.ack()

    def settled(self) -> None:
        """A message went through: the next one needs no pause."""
        self._pause = 0.0

    @staticmethod
    def confirm(publisher: ConfirmedPublisher, outputs: list[OutboundMessage]) -> None:
        """Publish ``outputs`` and wait for the broker; PublishNotConfirmed if it refused any."""
        for output in outputs:
            publisher.publish(output)
        if publisher.settle(CONFIRM_TIMEOUT_SECONDS):
            raise PublishNotConfirmed("the broker refused a copy; reconnecting")


def _failure_headers(message: Message, attempt: int, error: str) -> dict[str, Any]:
    headers = dict(message.headers or {})
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
