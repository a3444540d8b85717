"""The pipeline for one input: receive -> standardise (transform, validate) -> route -> outputs.

:meth:`Processor.process` turns one :class:`InboundMessage` into the messages to publish and a
summary of what happened. It never raises for bad data and never drops anything: every input
yields either envelopes for its destinations, or a quarantine copy (original body and reasons)
plus feedback to its source, or a review copy plus feedback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import schemas
from hub.config.system_catalogue import SystemCatalogue
from hub.pipeline.outputs import (
    FEEDBACK,
    Context,
    feedback_messages,
    feedback_payload,
    make_envelope,
    to_destination,
    to_quarantine,
)
from routes import RouteMatch, RouteTable
from schemas.contract.envelope import Hop, new_message_id, node_name, utc_now
from schemas.contract.messages import InboundMessage, OutboundMessage
from schemas.contract.problems import (
    ADAPTER_PROBLEMS_HEADER,
    INTERNAL_ERROR,
    MESSAGE_TOO_LARGE,
    RECORD_TYPE_NOT_ACCEPTED,
    ROUTING_KEY_INVALID,
    SOURCE_UNKNOWN,
    Problem,
)
from schemas.contract.states import OutcomeStatus
from schemas.contract.topology import REVIEW
from schemas.v1.feedback import FeedbackStatus
from transforms import MappingCatalogue, TransformError, decode_record

log = logging.getLogger(__name__)

SCHEMA_VERSION_HEADER = "hub-schema-version"


@dataclass(frozen=True)
class Outcome:
    """What became of one input (``inbound``). ``status`` is delivered, rejected or review."""

    status: OutcomeStatus
    inbound: InboundMessage
    message_id: str
    source: str
    record_type: str
    outputs: tuple[OutboundMessage, ...]
    received_at: datetime
    correlation_id: str
    destinations: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    credit_code: str | None = None
    matches: tuple[RouteMatch, ...] = field(default=())
    #: The unified record, once standardised (None if the input was rejected before that).
    payload: dict[str, Any] | None = None
    content_hash: str | None = None


class Processor:
    """Standardises and routes inputs; one instance serves a worker for its lifetime."""

    def __init__(
        self,
        *,
        systems: SystemCatalogue,
        routes: RouteTable,
        mappings: MappingCatalogue,
        max_message_bytes: int,
        receipts: bool = False,
        nonconforming_codes: Collection[str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``nonconforming_codes``: credit codes legally issued though they fail the check
        character (records carrying them go to review); None means the shipped allow-list."""
        self.systems = systems
        self.routes = routes
        self.mappings = mappings
        self.max_message_bytes = max_message_bytes
        self.receipts = receipts
        self.nonconforming_codes = nonconforming_codes
        self._clock = clock
        self._node = node_name()

    def process(self, message: InboundMessage) -> Outcome:
        """Work out every output for ``message``. Never raises: a bug quarantines the input."""
        ctx = self._context(message)
        try:
            return self._process(ctx)
        except Exception as e:  # the one place where a bug must not lose a message
            log.exception("internal error on message %s from %s", ctx.message_id, ctx.source)
            problem = Problem(INTERNAL_ERROR, "", f"{type(e).__name__}: {e}")
            return self._reject(ctx, [problem])

    def _context(self, message: InboundMessage) -> Context:
        source, _, record_type = message.routing_key.partition(".")
        version = message.headers.get(SCHEMA_VERSION_HEADER) or schemas.SCHEMA_VERSION
        ctx = Context(
            message=message,
            message_id=new_message_id(),
            received_at=self._clock(),
            source=source,
            record_type=record_type,
            schema_version=str(version),
        )
        self._hop(ctx, "received", f"{len(message.body)} bytes, key {message.routing_key}")
        return ctx

    def _process(self, ctx: Context) -> Outcome:
        refused = _adapter_problems(ctx.message.headers)
        if refused:
            return self._reject(ctx, refused)
        problem = self._check_addressing(ctx)
        if problem is not None:
            return self._reject(ctx, [problem])
        try:
            data = decode_record(
                ctx.message.body,
                ctx.message.content_type,
                source=ctx.source,
                record_type=ctx.record_type,
                list_paths=schemas.list_paths(ctx.record_type),
                catalogue=self.mappings,
            )
        except TransformError as e:
            return self._reject(ctx, [e.as_problem()])
        verdict = schemas.validate_record(
            ctx.record_type,
            data,
            schema_version=ctx.schema_version,
            nonconforming_codes=self.nonconforming_codes,
        )
        problems = list(verdict.problems)
        repairs = [_repair_dict(r) for r in verdict.repairs]
        if verdict.status == "rejected" or verdict.record is None:
            return self._reject(ctx, problems, repairs=repairs)
        self._hop(ctx, "standardised", f"{verdict.status}; {len(repairs)} repairs")
        if verdict.status == "review":
            return self._review(ctx, verdict.record, verdict.credit_code, problems, repairs)
        decision = self.routes.route(ctx.record_type, ctx.source, verdict.record)
        if decision.problems or not decision.destinations:
            route_problems = list(decision.problems)
            return self._reject(ctx, route_problems, credit_code=verdict.credit_code)
        rules = tuple(dict.fromkeys(m.rule for m in decision.matches))
        self._hop(ctx, "routed", f"{', '.join(decision.destinations)} by {', '.join(rules)}")
        envelope = make_envelope(ctx, verdict.record, verdict.credit_code)
        outputs = [to_destination(envelope, d) for d in decision.destinations]
        if repairs or self.receipts:
            status: FeedbackStatus = "repaired" if repairs else "accepted"
            outputs += self._feedback(ctx, status, problems, repairs, verdict.credit_code)
        return Outcome(
            status=OutcomeStatus.DELIVERED,
            outputs=tuple(outputs),
            destinations=tuple(decision.destinations),
            problems=tuple(problems),
            credit_code=verdict.credit_code,
            matches=tuple(decision.matches),
            payload=verdict.record,
            content_hash=envelope.content_hash,
            **_identity(ctx),
        )

    def _check_addressing(self, ctx: Context) -> Problem | None:
        if not ctx.source or not ctx.record_type:
            return Problem(
                ROUTING_KEY_INVALID,
                "",
                f"routing key {ctx.message.routing_key!r} is not <source-id>.<record-type>",
            )
        if ctx.source not in self.systems:
            return Problem(SOURCE_UNKNOWN, "", f"no system with id {ctx.source!r} is connected")
        if ctx.record_type == FEEDBACK:
            return Problem(RECORD_TYPE_NOT_ACCEPTED, "", "feedback records are sent by the hub only")
        if ctx.record_type not in schemas.RECORD_TYPES:
            return Problem(
                schemas.RECORD_TYPE_UNKNOWN,
                "",
                f"unknown record type {ctx.record_type!r}; known: {', '.join(schemas.RECORD_TYPES)}",
            )
        size = len(ctx.message.body)
        if size > self.max_message_bytes:
            return Problem(
                MESSAGE_TOO_LARGE, "", f"body is {size} bytes; the limit is {self.max_message_bytes}"
            )
        return None

    def _reject(
        self,
        ctx: Context,
        problems: list[Problem],
        *,
        repairs: list[dict[str, Any]] | None = None,
        credit_code: str | None = None,
    ) -> Outcome:
        self._hop(ctx, "rejected", ", ".join(p.code for p in problems))
        outputs = [to_quarantine(ctx, problems)]
        outputs += self._feedback(ctx, "rejected", problems, repairs or [], credit_code)
        return Outcome(
            status=OutcomeStatus.REJECTED,
            outputs=tuple(outputs),
            problems=tuple(problems),
            credit_code=credit_code,
            **_identity(ctx),
        )

    def _review(
        self,
        ctx: Context,
        record: dict[str, Any],
        credit_code: str | None,
        problems: list[Problem],
        repairs: list[dict[str, Any]],
    ) -> Outcome:
        self._hop(ctx, "review", ", ".join(p.code for p in problems))
        envelope = make_envelope(ctx, record, credit_code)
        outputs = [to_destination(envelope, REVIEW)]
        outputs += self._feedback(ctx, "review", problems, repairs, credit_code)
        return Outcome(
            status=OutcomeStatus.REVIEW,
            outputs=tuple(outputs),
            destinations=(REVIEW,),
            problems=tuple(problems),
            credit_code=credit_code,
            payload=record,
            content_hash=envelope.content_hash,
            **_identity(ctx),
        )

    def _feedback(
        self,
        ctx: Context,
        status: FeedbackStatus,
        problems: list[Problem],
        repairs: list[dict[str, Any]],
        credit_code: str | None,
    ) -> list[OutboundMessage]:
        self._hop(ctx, "feedback", status)
        payload = feedback_payload(
            ctx, status, self._clock(), problems=problems, repairs=repairs, credit_code=credit_code
        )
        return feedback_messages(ctx, payload, source_known=ctx.source in self.systems)

    def _hop(self, ctx: Context, stage: str, detail: str) -> None:
        ctx.hops.append(Hop(stage=stage, at=self._clock(), node=self._node, detail=detail))


def _adapter_problems(headers: Mapping[str, Any]) -> list[Problem]:
    """The reasons an adapter gave for refusing this record (header set by the core's port)."""
    raw = headers.get(ADAPTER_PROBLEMS_HEADER)
    if raw is None:
        return []
    try:
        return [Problem(str(p["code"]), str(p.get("path", "")), str(p["message"]))
                for p in json.loads(raw)]
    except (ValueError, TypeError, KeyError):
        return [Problem("adapter.malformed", "", f"unreadable adapter problem header: {raw!r:.200}")]


def _identity(ctx: Context) -> dict[str, Any]:
    """The Outcome fields every outcome shares, from the context."""
    return {
        "inbound": ctx.message,
        "message_id": ctx.message_id,
        "source": ctx.source,
        "record_type": ctx.record_type,
        "received_at": ctx.received_at,
        "correlation_id": ctx.correlation_id,
    }


def _repair_dict(repair: Any) -> dict[str, Any]:
    return {
        "code": repair.code,
        "path": repair.path,
        "original": repair.original,
        "repaired": repair.repaired,
    }
