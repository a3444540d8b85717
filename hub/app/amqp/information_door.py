"""The information service's AMQP door: request-reply over RabbitMQ, for departments that
already speak AMQP.

A caller publishes a question to the exchange ``hub.information`` (any routing key; by
convention ``<caller>.<operation>``), JSON as :data:`~hub.information.desk.QUESTION` reads it::

    {"operation": "profile", "purpose": "行政审批", "credit_code": "91310112...", "as_of": null}

with these properties:

- ``user_id``: its broker user, which RabbitMQ checks against the connection's user (a
  publish naming another user closes the channel), so the door knows who asks. The access
  policy names each caller's ``broker_user``;
- ``reply_to``: where the answer goes: RabbitMQ's direct reply-to (``amq.rabbitmq.reply-to``,
  the caller consuming it without acks) or one of the caller's own reply queues
  ``hub.reply.<caller id>.<name>`` (:func:`hub.pipeline.reply_to.reply_address`). A question
  without a return address the caller owns gets no answer: the door never writes into a queue
  for someone who does not own it, and logs the refusal;
- ``correlation_id`` (or else ``message_id``): copied to the answer, so the caller can match it.

The answer is JSON with the header ``hub-outcome``: ``answer`` and ``{"answer": {...}}`` (the
same models as the REST door's bodies), or ``error`` and ``{"error": {"code", "message"}}``
with the REST door's codes: ``auth.unauthenticated`` (no ``user_id``, or no caller has it;
answered on direct reply-to only, which reaches the asking channel alone), ``query.forbidden``,
the question's own ``query.*`` codes, ``validation_error`` (not JSON, or not a question),
``too_large`` (over :data:`MAX_QUESTION_BYTES`), ``journal_unavailable`` (the database is
down: ask again later), ``internal_error`` (the cause is in the hub's log). Never a stack
trace. Every answered question is audited under the caller's id.

Bounds: questions wait at most ``INFORMATION_TTL_MS`` in ``hub.information``, at most
``INFORMATION_MAX_WAITING`` of them (beyond, the broker refuses the publish); a question body is
at most :data:`MAX_QUESTION_BYTES`; the door takes :data:`PREFETCH` at a time.

On the embedded broker (a SQLite file in the hub's data directory) nothing checks ``user_id``:
whoever can write that file can read the hub's keys as well, so there the door takes it as
stated. Production runs the door on RabbitMQ.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.message import Message
from pydantic import BaseModel, ValidationError

from hub.assembly import Hub
from hub.information.access import AccessPolicy, CallerPolicy, NotAuthenticated
from hub.information.desk import QUESTION, InformationDesk, first_problem
from hub.information.service import BadQuery, QueryRefused
from hub.journal.journal_errors import JournalUnavailable
from hub.pipeline.reply_to import is_direct_reply_to, reply_address
from hub.runtime.broker import BrokerSession, body_bytes
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import Topology
from hub.runtime.publisher import ConfirmedPublisher
from schemas.contract.errors import PublishNotConfirmed
from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import INFORMATION

log = logging.getLogger(__name__)

#: A question is a few fields: anything larger is refused unread.
MAX_QUESTION_BYTES = 64 * 1024
#: Questions taken from the broker at a time.
PREFETCH = 8
#: The answer's header saying whether the body is an answer or an error.
OUTCOME_HEADER = "hub-outcome"
_CONFIRM_SECONDS = 30.0


class InformationDoor(ConsumerLoop):
    """Answers the questions in ``hub.information`` from ``desk``, to the callers of ``policy``."""

    def __init__(self, broker_url: str, topology: Topology, desk: InformationDesk,
                 policy: AccessPolicy) -> None:
        super().__init__(broker_url, topology)
        self.desk = desk
        self.policy = policy
        self._queue = next(q for q in topology.queues if q.name == INFORMATION)

    def consume(self, session: BrokerSession) -> None:
        publisher = session.publisher()
        received: list[Message] = []
        consumer = session.consumer(self._queue, received.append, prefetch=PREFETCH)
        self.ready.set()
        try:
            while not self.stopping:
                session.drain(0.2)
                while received and not self.stopping:
                    self.take(received.pop(0), publisher)
        finally:
            consumer.cancel()

    def take(self, message: Message, publisher: ConfirmedPublisher) -> None:
        """Answer ``message`` if it has a return address its caller owns, then ack it."""
        properties: dict[str, Any] = message.properties or {}
        reply_to: str | None = properties.get("reply_to")
        try:
            caller = self.policy.by_broker_user(properties.get("user_id"))
        except NotAuthenticated as refused:
            # A direct reply-to answer reaches the asking channel alone: safe for a stranger.
            if reply_to and is_direct_reply_to(reply_to):
                self._reply(message, reply_to, _error("auth.unauthenticated", str(refused)),
                            publisher)
            else:
                log.warning("information door: dropped a question from an unknown user "
                            "(%s) without a direct reply-to", refused)
        else:
            address, refusal = reply_address(caller.id, reply_to)
            if address is None:
                log.warning("information door: dropped a question from %s: %s", caller.id,
                            refusal.message if refusal else "it has no reply_to")
            else:
                self._reply(message, address, self._answer(caller, body_bytes(message)),
                            publisher)
        message.ack()

    @staticmethod
    def _reply(question: Message, address: str, outcome: tuple[str, bytes],
               publisher: ConfirmedPublisher) -> None:
        properties: dict[str, Any] = question.properties or {}
        kind, body = outcome
        publisher.publish(OutboundMessage(
            exchange="", routing_key=address, body=body, content_type="application/json",
            headers={OUTCOME_HEADER: kind},
            correlation_id=properties.get("correlation_id") or properties.get("message_id"),
            # An asker who stopped waiting (its reply queue or channel gone) loses its answer.
            mandatory=False))
        if publisher.settle(_CONFIRM_SECONDS):
            raise PublishNotConfirmed("the broker refused an answer; reconnecting")

    def _answer(self, caller: CallerPolicy, body: bytes) -> tuple[str, bytes]:
        if len(body) > MAX_QUESTION_BYTES:
            return _error("too_large", f"a question is at most {MAX_QUESTION_BYTES} bytes")
        try:
            question = QUESTION.validate_json(body)
        except ValidationError as e:
            return _error("validation_error", first_problem(e))
        try:
            answer: BaseModel = self.desk.answer(caller, question)
        except (BadQuery, QueryRefused) as e:
            return _error(e.code, str(e))
        except JournalUnavailable as e:
            log.warning("information door: the database is unavailable (%s)", e)
            return _error("journal_unavailable", "the supervision database is unavailable; "
                          "ask again later")
        except Exception:  # the caller hears of it; the hub keeps answering
            log.exception("information door: a question from %s failed", caller.id)
            return _error("internal_error", "the hub failed; the cause is in its log")
        return "answer", b'{"answer":' + answer.model_dump_json().encode() + b"}"


def _error(code: str, message: str) -> tuple[str, bytes]:
    return "error", json.dumps({"error": {"code": code, "message": message}},
                               ensure_ascii=False).encode()


@contextmanager
def door_running(hub: Hub, policy: AccessPolicy) -> Iterator[InformationDoor]:
    """``hub``'s AMQP door in a thread of its own, on the hub's broker, with a desk of its own
    (:meth:`Hub.information_desk`); stopped and closed when the block ends. A broker
    that is down at start delays the door (it reconnects with back-off), not the caller."""
    with hub.information_desk() as desk:
        door = InformationDoor(hub.settings.resolved_broker_url(), hub.topology, desk, policy)
        thread = threading.Thread(target=door.run, name="information-door", daemon=True)
        thread.start()
        try:
            yield door
        finally:
            door.stop()
            thread.join(30)
