"""The review verifier: settles the records of ``hub.review`` with the legal-entity library.

Contract, per message of ``hub.review`` (see :mod:`hub.review.verification` for the verdict):

1. Verified: routed like any record (the hub's :class:`~routes.RouteTable`), the envelope
   enriched with the registered entities, to every destination; feedback ``accepted`` with a
   ``credit_code.verified`` note. A record no route takes is quarantined (``route.no_match``).
2. Not verified: the unified record to ``hub.quarantine`` with ``credit_code.unverified`` and
   feedback ``rejected`` naming why.
3. The library away (:class:`~schemas.contract.errors.TransientError`): the message is parked in the next
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

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from kombu.message import Message
from pydantic import ValidationError

from adapters.sdk import EntityLookup
from hub.config.retry_schedule import Delay
from hub.delivery.parking import ParkingLoop
from hub.pipeline.build import DisclosureOf
from hub.review.review_outputs import rejected_outputs, verified_outputs
from hub.review.verification import Undecidable, Verified, verify
from hub.runtime.broker import body_bytes
from hub.runtime.declarations import Topology
from hub.runtime.publisher import ConfirmedPublisher
from routes import RouteMatch, RouteTable
from schemas.contract.envelope import Envelope, node_name, utc_now
from schemas.contract.errors import PermanentError, TransientError
from schemas.contract.problems import (
    ENVELOPE_INVALID,
    REVIEW_LOOKUP_REFUSED,
    REVIEW_LOOKUP_UNAVAILABLE,
    Problem,
)
from schemas.contract.topology import REVIEW
from schemas.personal import Disclosure

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReviewPolicy:
    """How long to wait for the library: the broker-level schedule, the pause between tries."""

    schedule: tuple[Delay, ...]
    max_pause_seconds: float = 60.0
    prefetch: int = 16


class ReviewStatus(StrEnum):
    """What the verifier did with one message of ``hub.review`` (``ReviewOutcome.status``; the
    values are the ``outcome`` labels of ``hub_reviews_total``)."""

    #: The library confirmed the codes: routed and delivered, feedback accepted.
    VERIFIED = "verified"
    #: Not confirmed: quarantined, feedback rejected.
    REJECTED = "rejected"
    #: Parked: the library was away; it comes back after a delay. Not an end.
    RETRIED = "retried"
    #: Left to people in ``hub.review.dead`` (the schedule ran out, or unreadable).
    HANDED_OVER = "handed_over"


@dataclass(frozen=True)
class ReviewOutcome:
    """What became of one message of ``hub.review``.

    ``status``: ``verified`` (delivered to ``destinations``), ``rejected`` (quarantined with
    ``problems``), ``retried`` (parked: the library was away) or ``handed_over`` (to people, in
    ``hub.review.dead``). ``envelope`` is None only for an unreadable message.
    """

    status: ReviewStatus
    envelope: Envelope | None
    at: datetime
    attempt: int
    detail: str = ""
    destinations: tuple[str, ...] = ()
    matches: tuple[RouteMatch, ...] = ()
    problems: tuple[Problem, ...] = ()


class ReviewVerifier(ParkingLoop):
    """Consumes ``hub.review``; see the module doc. ``lookup`` is the library behind the SDK's
    port (built and started by :func:`hub.hosting.adapter_host.build_lookup`); the verifier
    closes it when it ends."""

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
        disclosure_of: DisclosureOf | None = None,
    ) -> None:
        super().__init__(broker_url, topology, REVIEW, schedule=policy.schedule,
                         prefetch=policy.prefetch, max_pause=policy.max_pause_seconds)
        self.lookup = lookup
        self.routes = routes
        self.systems = frozenset(systems)
        # Fail safe: without a catalogue, only the hub's own queues see personal data whole.
        self.disclosure_of = disclosure_of or (lambda destination: Disclosure.PUBLISHED)
        self.policy = policy
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._clock = clock
        self._node = node_name()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.lookup.close()

    def handle(self, message: Message, publisher: ConfirmedPublisher) -> None:
        attempt = self.attempt_of(message)
        try:
            envelope = Envelope.from_bytes(body_bytes(message))
        except ValidationError as e:
            self._hand_over(message, None, attempt, ENVELOPE_INVALID, str(e), publisher)
            return
        now = self._clock()
        try:
            verdict = verify(envelope, self.lookup, now)
        except Undecidable as e:
            self._hand_over(message, envelope, attempt, e.code, str(e), publisher)
            return
        except PermanentError as e:
            self._hand_over(message, envelope, attempt, REVIEW_LOOKUP_REFUSED, str(e),
                            publisher)
            return
        except TransientError as e:
            self._park(message, envelope, attempt, str(e), publisher)
            return
        known = envelope.source in self.systems
        if isinstance(verdict, Verified):
            decision = self.routes.route(envelope.record_type, envelope.source, envelope.payload)
            if not decision.problems and decision.destinations:
                outputs = verified_outputs(envelope, verdict, decision, at=now, node=self._node,
                                           source_known=known,
                                           disclosure_of=self.disclosure_of)
                self.confirm(publisher, outputs)
                message.ack()
                detail = "; ".join(p.message for p in verdict.notes)
                self._report(ReviewOutcome(ReviewStatus.VERIFIED, envelope, now, attempt, detail,
                                           tuple(decision.destinations), tuple(decision.matches)))
                return
            problems = list(decision.problems)
        else:
            problems = list(verdict.problems)
        self.confirm(publisher, rejected_outputs(envelope, problems, at=now, node=self._node,
                                                 source_known=known))
        message.ack()
        self._report(ReviewOutcome(ReviewStatus.REJECTED, envelope, now, attempt,
                                   "; ".join(p.message for p in problems), problems=tuple(problems)))

    def _park(self, message: Message, envelope: Envelope, attempt: int, error: str,
              publisher: ConfirmedPublisher) -> None:
        delay = self.park(message, attempt, error, publisher)
        if delay is None:
            self._hand_over(message, envelope, attempt, REVIEW_LOOKUP_UNAVAILABLE, error, publisher)
            return
        self._report(ReviewOutcome(ReviewStatus.RETRIED, envelope, self._clock(), attempt,
                                   f"in {delay.label}: {error}"))
        log.warning("review: the legal-entity library is away (%s); retry in %s", error,
                    delay.label)
        self.back_off()

    def _hand_over(self, message: Message, envelope: Envelope | None, attempt: int, code: str,
                   error: str, publisher: ConfirmedPublisher) -> None:
        self.dead_letter(message, attempt, code, error, publisher)
        self._report(ReviewOutcome(ReviewStatus.HANDED_OVER, envelope, self._clock(), attempt,
                                   f"{code}: {error}"))
        log.error("review: handed to people in hub.review.dead (%s): %s", code, error)

    def _report(self, outcome: ReviewOutcome) -> None:
        if outcome.status != ReviewStatus.RETRIED:
            self.settled()
        self._on_outcome(outcome)

