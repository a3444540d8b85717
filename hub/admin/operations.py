"""Administrator operations: the same for the CLI and the HTTP admin API.

Actions that change anything (retry, replay) take an ``actor`` and a mandatory ``reason``, offer
a dry run, are rate-limited, and write one audit entry saying how many messages they set out to
touch. The audit entry is written *before* anything is published: an action the audit trail
cannot take (the journal down, a reason it cannot store) is not done at all, so there is no
action without an audit entry. If the broker then refuses a message midway, the caller hears
:class:`PublishNotConfirmed` and what was not moved stays where it was (a dead letter stays
dead; a replay's ``replayed`` events say which inputs went). Moves are confirmed by the broker
before the original is acked.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kombu.message import Message

from hub.admin.dead_letters import (
    SCAN_LIMIT,
    DeadLetter,
    dead_letter_queue,
    scan,
)
from hub.admin.views import Unmasking, dead_letter_view, event_view, message_view
from hub.assembly import Hub
from hub.delivery.runner import (
    ATTEMPT,
    DEAD_REASON,
    FIRST_FAILURE,
    LAST_ERROR,
    LAST_FAILURE,
)
from hub.journal import AuditEntry, Journal, JournalEvent, JournalMessage, MessageQuery
from hub.journal.records import decoded
from hub.runtime.broker import BrokerSession, body_bytes
from schemas.contract.envelope import utc_now
from schemas.contract.errors import ConfigError, PublishNotConfirmed
from schemas.contract.messages import ATTEMPT_HEADER, REPLAY_OF_HEADER, OutboundMessage
from schemas.contract.states import EventKind
from schemas.contract.topology import INBOUND, OUTBOUND, PARKED_AT_HEADER, REVIEW
from schemas.personal import mask_id_number, masked_text

log = logging.getLogger(__name__)

#: Headers of a failed delivery, dropped when it is retried so the schedule starts afresh.
FAILURE_HEADERS = (ATTEMPT, FIRST_FAILURE, LAST_FAILURE, LAST_ERROR, DEAD_REASON, PARKED_AT_HEADER)

#: Longest reason kept in the audit trail.
MAX_REASON_LENGTH = 1000
#: Most inputs one replay may publish (the same bound as a dead-letter scan).
MAX_REPLAY_LIMIT = SCAN_LIMIT
#: Messages per second a retry or replay may send: at least one per ten seconds (slower would
#: hold the caller for hours), at most a hundred. Both doors (CLI and HTTP) are held to them here.
MIN_RATE, MAX_RATE = 0.1, 100.0

#: Control characters (C0, DEL, C1), refused in reasons and actors: one printable line each, and
#: PostgreSQL cannot store a NUL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class ActionResult:
    """What a retry or replay did (or, in a dry run, would do)."""

    action: str
    dry_run: bool
    affected: int
    message_ids: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "dry_run": self.dry_run, "affected": self.affected,
                "message_ids": self.message_ids}


class AdminOps:
    """Operations on one hub's broker and journal."""

    def __init__(self, hub: Hub, session: BrokerSession, journal: Journal) -> None:
        self.hub = hub
        self.session = session
        self.journal = journal

    # --- reading -------------------------------------------------------------------------

    # Reading never shows personal data unless an ``unmask`` is given; an unmask is refused
    # without an actor and a reason, and is audited before anything is read (hub.admin.views).

    def dead_letters(
        self, destination: str, *, credit_code: str | None = None, limit: int = 1000
    ) -> list[DeadLetter]:
        """The dead letters of ``destination`` (optionally one entity's), oldest first; their
        descriptions hold no personal data but the last error, which is masked."""
        queue = self._dead_queue(destination)
        found, held = [], []
        for letter, message in scan(self.session, queue, _matching(credit_code=credit_code)):
            found.append(dataclasses.replace(
                letter, last_error=letter.last_error and masked_text(letter.last_error)))
            held.append(message)  # put back after the scan, or it would be read again
            if len(found) >= limit:
                break
        for message in held:
            message.requeue()
        return found

    def dead_letter(
        self, destination: str, message_id: str, *, unmask: Unmasking | None = None
    ) -> dict[str, Any] | None:
        """One dead letter with its body (masked unless ``unmask``), or None."""
        queue = self._dead_queue(destination)
        self._audit_unmask(unmask, "dead_letter", {"destination": destination, "message_id": message_id})
        shown: dict[str, Any] | None = None
        held = []
        for letter, message in scan(self.session, queue, _matching(message_ids=[message_id])):
            shown = dead_letter_view(letter.as_dict(), body_bytes(message),
                                     unmasked=unmask is not None)
            held.append(message)
            break
        for message in held:
            message.requeue()
        return shown

    def message(
        self, message_id: str, *, unmask: Unmasking | None = None
    ) -> dict[str, Any] | None:
        """One journaled input with its record and body (masked unless ``unmask``), or None."""
        self._audit_unmask(unmask, "message", {"message_id": message_id})
        found = self.journal.message(message_id)
        return None if found is None else message_view(found, unmasked=unmask is not None)

    def person(
        self, id_number: str, *, officer: Unmasking, unmask: bool = False, limit: int = 100
    ) -> list[dict[str, Any]]:
        """The journaled inputs that name the person with ``id_number`` (found through its keyed
        SM3 digest), oldest first, masked unless ``unmask``.

        A lookup by person is itself personal data processing: it needs an officer (the
        caller's check) with a reason, and is audited (``person_lookup``, the number masked,
        how many found) before anything is returned.
        """
        _require_text(actor=officer.actor, reason=officer.reason)
        if not 1 <= limit <= MAX_REPLAY_LIMIT:
            raise ConfigError(f"the limit must be between 1 and {MAX_REPLAY_LIMIT}")
        found = self.journal.find_messages(MessageQuery(person_id=id_number, limit=limit))
        self.journal.audit(AuditEntry(
            actor=officer.actor, action="person_lookup", reason=officer.reason,
            parameters={"id_number": mask_id_number(id_number.strip()), "unmasked": unmask},
            affected=len(found), dry_run=False,
        ))
        return [message_view(m, unmasked=unmask) for m in found]

    def trace(self, message_id: str, *, unmask: Unmasking | None = None) -> list[JournalEvent]:
        """Every hop of one message; identity numbers in details masked unless ``unmask``."""
        self._audit_unmask(unmask, "trace", {"message_id": message_id})
        return [event_view(e, unmasked=unmask is not None)
                for e in self.journal.trace(message_id)]

    def timeline(
        self, credit_code: str, *, unmask: Unmasking | None = None
    ) -> list[JournalEvent]:
        """Every event of one entity's records; masked like :meth:`trace`."""
        self._audit_unmask(unmask, "timeline", {"credit_code": credit_code})
        return [event_view(e, unmasked=unmask is not None)
                for e in self.journal.timeline(credit_code)]

    def audits(self, limit: int = 100) -> list[AuditEntry]:
        return self.journal.audits(limit=limit)

    # --- changing --------------------------------------------------------------------------

    def retry_dead_letters(
        self,
        destination: str,
        *,
        actor: str,
        reason: str,
        message_ids: Sequence[str] | None = None,
        credit_code: str | None = None,
        rate_per_second: float = 10.0,
        dry_run: bool = False,
    ) -> ActionResult:
        """Send dead letters of ``destination`` back to its queue with a fresh retry schedule.

        ``message_ids`` None means every dead letter (that matches ``credit_code``, if given).
        """
        _require_text(actor=actor, reason=reason)
        queue = self._dead_queue(destination)
        pace = _Pace(rate_per_second)  # a bad rate is refused before anything is read
        take = _matching(message_ids=message_ids, credit_code=credit_code)
        found = list(scan(self.session, queue, take))  # held unacked until moved or put back
        moved: list[Message] = []
        try:
            result = self._audited(
                "retry-dead-letters", actor, reason, dry_run,
                [letter.message_id or "" for letter, _message in found],
                {"destination": destination, "message_ids": list(message_ids or []),
                 "credit_code": credit_code},
            )
            if not dry_run:
                self._move_back(destination, actor, [m for _letter, m in found], pace, moved)
        finally:
            for _letter, message in found[len(moved):]:
                message.requeue()
        return result

    def _move_back(
        self, destination: str, actor: str, messages: list[Message], pace: _Pace,
        moved: list[Message],
    ) -> None:
        """Publish ``messages`` to the destination's queue in order, acking each once confirmed
        and adding it to ``moved``. Raises :class:`PublishNotConfirmed` at the first refusal."""
        publisher = self.session.publisher()
        for message in messages:
            pace.wait()
            headers = {k: v for k, v in (message.headers or {}).items() if k not in FAILURE_HEADERS}
            headers["hub-retried-by"] = actor
            properties = message.properties or {}
            publisher.publish(OutboundMessage(
                OUTBOUND, destination, body_bytes(message), message.content_type or "application/json",
                message.content_encoding, headers, properties.get("message_id"),
                properties.get("correlation_id"),
            ))
            if publisher.settle(30):
                raise PublishNotConfirmed(
                    f"the broker refused a retried dead letter after {len(moved)} were moved; "
                    "the rest are still dead"
                )
            message.ack()
            moved.append(message)

    def replay(
        self,
        query: MessageQuery,
        *,
        actor: str,
        reason: str,
        rate_per_second: float = 10.0,
        dry_run: bool = False,
    ) -> ActionResult:
        """Publish journaled inputs to ``hub.inbound`` again, as their source sent them.

        Each replayed input goes through the whole pipeline again (standardised, routed,
        delivered; destinations drop what they already have by its content hash) and carries
        ``hub-replay-of`` with the original message id. A ``replayed`` event is journaled.
        An input whose body the journal kept only the head of (it was over the size limit) is
        left out, with a warning: replaying the head would send a body nobody sent. So is one
        sealed with a data key the keyring no longer holds (retired): it cannot be read back.
        """
        _require_text(actor=actor, reason=reason)
        pace = _Pace(rate_per_second)
        if query.limit is None or not 0 < query.limit <= MAX_REPLAY_LIMIT:
            raise ConfigError(f"a replay takes between 1 and {MAX_REPLAY_LIMIT} inputs (--limit)")
        messages = []
        for message in self.journal.find_messages(query):
            if message.body_truncated:
                log.warning("not replaying %s: the journal holds only the first %d of its %s "
                            "bytes", message.message_id, len(message.body), message.body_size)
            elif not message.body_readable:
                log.warning("not replaying %s: its body is sealed with key %s, which the "
                            "keyring no longer holds", message.message_id, message.key_id)
            else:
                messages.append(message)
        result = self._audited(
            "replay", actor, reason, dry_run, [m.message_id for m in messages], _query_dict(query)
        )
        if not dry_run:
            publisher = self.session.publisher()
            for message in messages:
                pace.wait()
                publisher.publish(_replay_copy(message))
                if publisher.settle(30):
                    raise PublishNotConfirmed(f"the broker refused the replay of {message.message_id}")
                self.journal.record(events=[_replayed_event(message, actor)])
        return result

    def _audited(
        self, action: str, actor: str, reason: str, dry_run: bool, ids: list[str],
        parameters: dict[str, Any],
    ) -> ActionResult:
        self.journal.audit(AuditEntry(
            actor=actor, action=action, reason=reason, parameters=parameters,
            affected=len(ids), dry_run=dry_run,
        ))
        return ActionResult(action, dry_run, len(ids), ids)

    def _audit_unmask(
        self, unmask: Unmasking | None, view: str, target: dict[str, Any]
    ) -> None:
        """Write the audit entry of an unmasked view before it is read; refuse one without an
        actor or a reason. Whether the actor may unmask is the caller's check (its role)."""
        if unmask is None:
            return
        _require_text(actor=unmask.actor, reason=unmask.reason)
        self.journal.audit(AuditEntry(
            actor=unmask.actor, action="unmask", reason=unmask.reason,
            parameters={"view": view, **target}, affected=1, dry_run=False,
        ))
        log.info("%s unmasked the %s of %s", unmask.actor, view,
                 ", ".join(f"{k} {v}" for k, v in target.items()))

    def _dead_queue(self, destination: str) -> str:
        """A system's dead letters, or the hub's own (``review``: what the verifier handed to
        people)."""
        if destination not in self.hub.systems and destination != REVIEW:
            raise ConfigError(f"no system {destination!r}; see schemas/data/systems.yaml")
        return dead_letter_queue(destination)


class _Pace:
    """At most ``rate`` calls of :meth:`wait` per second."""

    def __init__(self, rate: float) -> None:
        # Slower is a typo and would sleep for ever (or overflow); faster floods the broker.
        if not (math.isfinite(rate) and MIN_RATE <= rate <= MAX_RATE):
            raise ConfigError(f"the rate must be between {MIN_RATE} and {MAX_RATE} messages "
                              "per second")
        self._interval, self._next = 1.0 / rate, time.monotonic()

    def wait(self) -> None:
        now = time.monotonic()
        if now < self._next:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + self._interval


def _matching(
    *, message_ids: Sequence[str] | None = None, credit_code: str | None = None
) -> Callable[[DeadLetter], bool]:
    wanted = set(message_ids) if message_ids else None

    def take(letter: DeadLetter) -> bool:
        if wanted is not None and letter.message_id not in wanted:
            return False
        return credit_code is None or letter.credit_code == credit_code

    return take


def _require_text(*, actor: str, reason: str) -> None:
    """Refuse, before anything happens, what the audit trail could not hold."""
    if not reason.strip():
        raise ConfigError("a reason is required for every retry, replay and unmasking")
    if len(reason) > MAX_REASON_LENGTH:
        raise ConfigError(f"a reason may have {MAX_REASON_LENGTH} characters at most")
    if not actor.strip():
        raise ConfigError("every retry, replay and unmasking needs an actor")
    if _CONTROL.search(reason) or _CONTROL.search(actor):
        raise ConfigError("a reason or actor must not contain control characters (one printable line)")


def _replay_copy(message: JournalMessage) -> OutboundMessage:
    headers = {k: v for k, v in decoded(message.headers).items() if k != ATTEMPT_HEADER}
    headers[REPLAY_OF_HEADER] = message.message_id
    return OutboundMessage(
        exchange=INBOUND,
        routing_key=message.routing_key,
        body=message.body,
        content_type=message.content_type or "application/octet-stream",
        content_encoding=message.content_encoding,
        headers=headers,
        message_id=message.source_message_id,
        correlation_id=message.correlation_id,
    )


def _replayed_event(message: JournalMessage, actor: str) -> JournalEvent:
    return JournalEvent(
        message_id=message.message_id, event=EventKind.REPLAYED, at=utc_now(), source=message.source,
        record_type=message.record_type, correlation_id=message.correlation_id,
        credit_code=message.credit_code, detail=f"by {actor}",
    )


def _query_dict(query: MessageQuery) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in query.__dict__.items() if v is not None}
