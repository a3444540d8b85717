"""The review verifier: settles the records of ``hub.review`` with the legal-entity library.

Contract, per message of ``hub.review`` (see :mod:`hub.review.verdict` for the verdict):

1. Verified: routed like any record (the hub's :class:`~routes.RouteTable`), the envelope
   enriched with the registered entities, to every destination; feedback ``accepted`` with a
   ``credit_code.verified`` note. A record no route takes is quarantined (``route.no_match``).
2. Not verified: the unified record to ``hub.quarantine`` with ``credit_code.unverified`` and
   feedback ``rejected`` naming why.
3. The library away (:class:`~hub.errors.TransientError`): the message is parked in the next
   ``hub.delay.<d>`` queue of the schedule and comes back to ``hub.review`` after the delay;
   meanwhile the verifier pauses before its next message (growing up to ``max_pause_seconds``),
   so a library that is down is not hammered. Parking rather than requeueing keeps nothing
   unacked for hours (RabbitMQ closes channels that hold a delivery too long) and survives
   restarts, exactly as deliveries do.
4. What the library cannot settle goes back to people in ``hub.review.dead``, with its reason
   in ``hub-dead-reason`` (as the delivery runner writes it): an unreadable envelope, a record
   naming no holder for its code (``review.undecidable``), a lookup refused or misconfigured
   (``review.lookup_refused``), a library still away after the whole schedule
   (``review.lookup_unavailable``).

Every copy is confirmed by the broker before the original is acked, so a crash in between
publishes twice (destinations drop the duplicate by content hash) and never loses a record.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from kombu.message import Message
from pydantic import ValidationError

from adapters.legal_entity import LegalEntityLookup, LegalEntityLookupConfig
from adapters.rest.client import authorise
from hub.broker import BrokerSession, body_bytes
from hub.delivery.runner import (
    ATTEMPT,
    CONFIRM_TIMEOUT_SECONDS,
    DEAD_REASON,
    FIRST_FAILURE,
    LAST_ERROR,
    LAST_FAILURE,
)
from hub.delivery.schedule import Delay
from hub.envelope import Envelope, epoch_ms, node_name, utc_now
from hub.errors import PermanentError, PublishNotConfirmed, TransientError
from hub.loop import ConsumerLoop
from hub.messages import OutboundMessage
from hub.problems import (
    ENVELOPE_INVALID,
    REVIEW_LOOKUP_REFUSED,
    REVIEW_LOOKUP_UNAVAILABLE,
    Problem,
)
from hub.publisher import ConfirmedPublisher
from hub.review.outputs import rejected_outputs, verified_outputs
from hub.review.verdict import EntityLookup, Undecidable, Verified, verify
from hub.topology import DEAD, PARKED_AT_HEADER, REVIEW, Topology, outbound_queue_name
from routes import RouteMatch, RouteTable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewPolicy:
    """How long to wait for the library: the broker-level schedule, the pause between tries."""

    schedule: tuple[Delay, ...]
    max_pause_seconds: float = 60.0
    prefetch: int = 16


@dataclass(frozen=True)
class ReviewOutcome:
    """What became of one message of ``hub.review``.

    ``status``: ``verified`` (delivered to ``destinations``), ``rejected`` (quarantined with
    ``problems``), ``retried`` (parked: the library was away) or ``handed_over`` (to people, in
    ``hub.review.dead``). ``envelope`` is None only for an unreadable message.
    """

    status: str
    envelope: Envelope | None
    at: datetime
    attempt: int
    detail: str = ""
    destinations: tuple[str, ...] = ()
    matches: tuple[RouteMatch, ...] = ()
    problems: tuple[Problem, ...] = ()


def open_lookup(config: LegalEntityLookupConfig) -> LegalEntityLookup:
    """The library's lookup client, its credentials resolved now (ConfigError if unset), so a
    missing secret stops start-up instead of failing the first record."""
    with requests.Session() as session:
        authorise(session, config.auth)
    return LegalEntityLookup(config)


class ReviewVerifier(ConsumerLoop):
    """Consumes ``hub.review``; see the module doc. Closes ``lookup`` when it ends."""

    def __init__(
        self,
        broker_url: str,
        topology: Topology,
        lookup: EntityLookup,
        routes: RouteTable,
        systems: Collection[str],
        policy: ReviewPolicy,
        *,
        on_outcome: Callable[[ReviewOutcome], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(broker_url, topology)
        self.lookup = lookup
        self.routes = routes
        self.systems = frozenset(systems)
        self.policy = policy
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._clock = clock
        self._node = node_name()
        self._queue = next(q for q in topology.queues if q.name == outbound_queue_name(REVIEW))
        self._pause = 0.0

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.lookup.close()

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
        try:
            envelope = Envelope.from_bytes(body_bytes(message))
        except ValidationError as e:
            self._hand_over(message, headers, None, attempt, ENVELOPE_INVALID, str(e), publisher)
            return
        now = self._clock()
        try:
            verdict = verify(envelope, self.lookup, now)
        except Undecidable as e:
            self._hand_over(message, headers, envelope, attempt, e.code, str(e), publisher)
            return
        except PermanentError as e:
            self._hand_over(message, headers, envelope, attempt, REVIEW_LOOKUP_REFUSED, str(e),
                            publisher)
            return
        except TransientError as e:
            self._park(message, headers, envelope, attempt, str(e), publisher)
            return
        known = envelope.source in self.systems
        if isinstance(verdict, Verified):
            decision = self.routes.route(envelope.record_type, envelope.source, envelope.payload)
            if not decision.problems and decision.destinations:
                outputs = verified_outputs(envelope, verdict, decision, at=now, node=self._node,
                                           source_known=known)
                self._settle(publisher, outputs)
                message.ack()
                detail = "; ".join(p.message for p in verdict.notes)
                self._report(ReviewOutcome("verified", envelope, now, attempt, detail,
                                           tuple(decision.destinations), tuple(decision.matches)))
                return
            problems = [Problem.of(p) for p in decision.problems]
        else:
            problems = list(verdict.problems)
        self._settle(publisher, rejected_outputs(envelope, problems, at=now, node=self._node,
                                                 source_known=known))
        message.ack()
        self._report(ReviewOutcome("rejected", envelope, now, attempt,
                                   "; ".join(p.message for p in problems), problems=tuple(problems)))

    def _park(self, message: Message, headers: dict[str, Any], envelope: Envelope, attempt: int,
              error: str, publisher: ConfirmedPublisher) -> None:
        if attempt > len(self.policy.schedule):
            self._hand_over(message, headers, envelope, attempt, REVIEW_LOOKUP_UNAVAILABLE, error,
                            publisher)
            return
        delay = self.policy.schedule[attempt - 1]
        failed = {**_failure_headers(headers, attempt, error), PARKED_AT_HEADER: epoch_ms()}
        self._settle(publisher, [_copy(message, delay.queue, REVIEW, failed)])
        message.ack()
        self._report(ReviewOutcome("retried", envelope, self._clock(), attempt,
                                   f"in {delay.label}: {error}"))
        self._pause = min(max(self._pause * 2, 1.0), self.policy.max_pause_seconds)
        log.warning("review: the legal-entity library is away (%s); retry in %s", error,
                    delay.label)
        self.pause(self._pause)

    def _hand_over(self, message: Message, headers: dict[str, Any], envelope: Envelope | None,
                   attempt: int, code: str, error: str, publisher: ConfirmedPublisher) -> None:
        failed = _failure_headers(headers, attempt, error)
        failed[DEAD_REASON] = json.dumps({
            "code": code,
            "destination": REVIEW,
            "attempts": attempt,
            "first_failure_at": failed[FIRST_FAILURE],
            "last_failure_at": failed[LAST_FAILURE],
            "last_error": failed[LAST_ERROR],
        }, ensure_ascii=False)
        self._settle(publisher, [_copy(message, DEAD, outbound_queue_name(REVIEW), failed)])
        message.ack()
        self._report(ReviewOutcome("handed_over", envelope, self._clock(), attempt,
                                   f"{code}: {error}"))
        log.error("review: handed to people in hub.review.dead (%s): %s", code, error)

    def _settle(self, publisher: ConfirmedPublisher, outputs: list[OutboundMessage]) -> None:
        for output in outputs:
            publisher.publish(output)
        if publisher.settle(CONFIRM_TIMEOUT_SECONDS):
            raise PublishNotConfirmed("the broker refused an output of the review verifier")

    def _report(self, outcome: ReviewOutcome) -> None:
        if outcome.status != "retried":
            self._pause = 0.0
        self._on_outcome(outcome)


def _failure_headers(headers: dict[str, Any], attempt: int, error: str) -> dict[str, Any]:
    now = utc_now().isoformat()
    return {
        **headers,
        ATTEMPT: attempt,
        FIRST_FAILURE: headers.get(FIRST_FAILURE, now),
        LAST_FAILURE: now,
        LAST_ERROR: error[:1000],
    }


def _copy(message: Message, exchange: str, routing_key: str,
          headers: dict[str, Any]) -> OutboundMessage:
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
