"""Building the messages the hub publishes: delivered envelopes, quarantine copies, feedback.

Pure functions of values: no broker, no clock of their own, so every output shape is
unit-testable and the same on every transport.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from schemas.contract.envelope import Envelope, Hop, content_hash, new_message_id
from schemas.contract.messages import InboundMessage, OutboundMessage
from schemas.contract.problems import Problem, problems_json
from schemas.contract.topology import OUTBOUND, QUARANTINE
from schemas.v1.feedback import FeedbackStatus

HUB_SOURCE = "hub"
FEEDBACK = "feedback"


@dataclass
class Context:
    """What the hub knows about one input while it works on it."""

    message: InboundMessage
    message_id: str
    received_at: datetime
    source: str
    record_type: str
    schema_version: str
    hops: list[Hop] = field(default_factory=list)

    @property
    def correlation_id(self) -> str:
        return self.message.correlation_id or self.message.message_id or self.message_id


def context_of(envelope: Envelope, headers: Mapping[str, Any] | None = None) -> Context:
    """The context of an input already standardised, rebuilt from its envelope, so that a later
    stage (the review verifier) builds its outputs with the functions below.

    Feedback then regards the same input (message ids, correlation, source). The message body
    is the unified record as JSON: a quarantine copy made from this context carries that record
    and ``headers``, while the original bytes stay in the journal under the same message id.
    The envelope does not keep the source's ``reply_to``, so feedback reaches
    ``hub.out.<source>`` only.
    """
    message = InboundMessage(
        body=json.dumps(envelope.payload, ensure_ascii=False).encode("utf-8"),
        routing_key=f"{envelope.source}.{envelope.record_type}",
        content_type="application/json",
        content_encoding="utf-8",
        message_id=envelope.source_message_id,
        correlation_id=envelope.correlation_id,
        headers=dict(headers or {}),
    )
    return Context(
        message=message,
        message_id=envelope.message_id,
        received_at=envelope.received_at,
        source=envelope.source,
        record_type=envelope.record_type,
        schema_version=envelope.schema_version,
        hops=list(envelope.hops),
    )


def envelope_headers(envelope: Envelope) -> dict[str, Any]:
    """The envelope fields a consumer may want to filter on without parsing the body."""
    headers = {
        "hub-source": envelope.source,
        "hub-record-type": envelope.record_type,
        "hub-schema-version": envelope.schema_version,
        "hub-content-hash": envelope.content_hash,
    }
    if envelope.credit_code:
        headers["hub-credit-code"] = envelope.credit_code
    return headers


def make_envelope(
    ctx: Context, payload: dict[str, Any], credit_code: str | None, *, source: str | None = None,
    record_type: str | None = None, message_id: str | None = None,
) -> Envelope:
    source = source or ctx.source
    record_type = record_type or ctx.record_type
    return Envelope(
        message_id=message_id or ctx.message_id,
        correlation_id=ctx.correlation_id,
        source_message_id=ctx.message.message_id,
        source=source,
        record_type=record_type,
        schema_version=ctx.schema_version,
        received_at=ctx.received_at,
        content_hash=content_hash(source, record_type, payload),
        credit_code=credit_code,
        hops=list(ctx.hops),
        payload=payload,
    )


def to_destination(envelope: Envelope, destination: str) -> OutboundMessage:
    """The envelope as a persistent JSON message for one destination queue."""
    return OutboundMessage(
        exchange=OUTBOUND,
        routing_key=destination,
        body=envelope.to_bytes(),
        content_type="application/json",
        headers=envelope_headers(envelope),
        message_id=envelope.message_id,
        correlation_id=envelope.correlation_id,
    )


def to_quarantine(ctx: Context, problems: list[Problem]) -> OutboundMessage:
    """The original body, byte for byte, with the reasons and the source's own headers."""
    original = ctx.message
    headers: dict[str, Any] = dict(original.headers)
    headers.update(
        {
            "hub-message-id": ctx.message_id,
            "hub-source": ctx.source,
            "hub-record-type": ctx.record_type,
            "hub-routing-key": original.routing_key,
            "hub-received-at": ctx.received_at.isoformat(),
            "hub-reasons": json.dumps(problems_json(problems), ensure_ascii=False),
        }
    )
    if original.message_id:
        headers["hub-source-message-id"] = original.message_id
    if original.reply_to:
        headers["hub-reply-to"] = original.reply_to
    return original.copy_to(OUTBOUND, QUARANTINE, headers, ctx.message_id, ctx.correlation_id)


def feedback_payload(
    ctx: Context,
    status: FeedbackStatus,
    issued_at: datetime,
    *,
    problems: Sequence[Problem] = (),
    repairs: Sequence[Mapping[str, Any]] = (),
    credit_code: str | None = None,
) -> dict[str, Any]:
    """The feedback record (unified standard, record type ``feedback``) about one input."""
    payload: dict[str, Any] = {
        "feedback_id": new_message_id(),
        "regarding_message_id": ctx.message_id,
        "regarding_correlation_id": ctx.correlation_id,
        "source": ctx.source,
        "record_type": ctx.record_type,
        "status": status,
        "problems": problems_json(list(problems)),
        "repairs": [dict(r) for r in repairs],
        "issued_at": issued_at.isoformat(),
    }
    if ctx.message.message_id:
        payload["regarding_source_message_id"] = ctx.message.message_id
    if credit_code:
        payload["credit_code"] = credit_code
    return payload


def feedback_messages(
    ctx: Context, payload: dict[str, Any], *, source_known: bool
) -> list[OutboundMessage]:
    """Feedback to the source's queue ``hub.out.<source>`` and to its ``reply_to``, if set.

    A ``reply_to`` copy is not mandatory: a department naming a queue that does not exist must
    not hold up other messages; its feedback still reaches ``hub.out.<source>``.
    """
    envelope = make_envelope(
        ctx,
        payload,
        payload.get("credit_code"),
        source=HUB_SOURCE,
        record_type=FEEDBACK,
        message_id=payload["feedback_id"],
    )
    messages = []
    if source_known:
        messages.append(to_destination(envelope, ctx.source))
    if ctx.message.reply_to:
        to_source = to_destination(envelope, ctx.message.reply_to)
        messages.append(
            replace(to_source, exchange="", routing_key=ctx.message.reply_to, mandatory=False)
        )
    return messages
