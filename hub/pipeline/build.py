"""Stage 4, build the outputs: Routed | UnderReview | Refusal -> Outcome (the messages to publish).

- Routed: the envelope to each destination's queue; feedback (``repaired``, or ``accepted``
  with receipts on) when there were repairs or receipts are on.
- UnderReview: the envelope, with the ``review`` hop, to the review queue; ``review`` feedback.
- Refusal: the original body, byte for byte, to quarantine with the reasons (``rejected`` hop);
  ``rejected`` feedback.

Feedback goes to ``hub.out.<source>`` (if the source is known) and to the input's ``reply_to``
when that is the source's own (:mod:`hub.pipeline.reply_to`). Any other ``reply_to`` gets no
copy; the feedback then carries a ``reply_to.refused`` note, and is sent for that alone too (a
record otherwise delivered in silence gets ``accepted`` or ``repaired`` feedback saying so).
The message builders below are pure functions of values (no broker; the clock is the
:class:`Stamp`'s), so every output shape is unit-testable and the same on every transport; the
review verifier builds its outputs with them too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from hub.pipeline.forms import (
    FEEDBACK,
    Input,
    Outcome,
    Refusal,
    Repair,
    Routed,
    Stamp,
    UnderReview,
)
from hub.pipeline.reply_to import reply_address
from schemas.contract.envelope import (
    Envelope,
    Hop,
    fingerprints,
    new_message_id,
)
from schemas.contract.messages import InboundMessage, OutboundMessage
from schemas.contract.problems import Problem, problems_json
from schemas.contract.states import EventKind, OutcomeStatus
from schemas.contract.topology import OUTBOUND, QUARANTINE, REVIEW
from schemas.personal import Disclosure, disclose
from schemas.v1.feedback import FeedbackStatus

#: The source named in the envelope of the hub's own feedback.
HUB_SOURCE = "hub"

#: Destination id -> what of a record's personal data it receives
#: (:meth:`hub.config.system_catalogue.SystemCatalogue.disclosure`).
DisclosureOf = Callable[[str], Disclosure]


def _published(destination: str) -> Disclosure:
    """The fail-safe policy, for a caller that names none: nobody gets ID numbers whole."""
    return Disclosure.PUBLISHED


def build(
    form: Routed | UnderReview | Refusal, stamp: Stamp, *, receipts: bool,
    systems: Container[str], disclosure_of: DisclosureOf = _published,
) -> Outcome:
    """Every output for ``form`` and the outcome that lists them; ``systems`` tells whether the
    source has a feedback queue of its own, ``disclosure_of`` what each destination may see."""
    identity = form.input
    source_known = identity.source in systems
    # A refused reply_to is a note for the source, never a reason to refuse the record.
    _, refused_reply = reply_address(identity.source, identity.message.reply_to)
    problems = (*form.problems, *([refused_reply] if refused_reply else []))
    if isinstance(form, Routed):
        envelope = make_envelope(identity, form.hops, form.record, form.credit_code)
        outputs = [to_destination(envelope, d, disclosure_of(d)) for d in form.destinations]
        if form.repairs or receipts or refused_reply:
            status: FeedbackStatus = "repaired" if form.repairs else "accepted"
            outputs += feedback(identity, form.hops, status, stamp, problems=problems,
                                repairs=form.repairs, credit_code=form.credit_code,
                                source_known=source_known)
        return _outcome(OutcomeStatus.DELIVERED, identity, outputs, problems, form.credit_code,
                        destinations=form.destinations, matches=form.matches,
                        payload=form.record, content_hash=envelope.content_hash)
    if isinstance(form, UnderReview):
        hops = (*form.hops, stamp.hop(EventKind.REVIEW, ", ".join(p.code for p in form.problems)))
        envelope = make_envelope(identity, hops, form.record, form.credit_code)
        outputs = [to_destination(envelope, REVIEW)]
        outputs += feedback(identity, hops, "review", stamp, problems=problems,
                            repairs=form.repairs, credit_code=form.credit_code,
                            source_known=source_known)
        return _outcome(OutcomeStatus.REVIEW, identity, outputs, problems, form.credit_code,
                        destinations=(REVIEW,), payload=form.record,
                        content_hash=envelope.content_hash)
    hops = (*form.hops, stamp.hop(EventKind.REJECTED, ", ".join(p.code for p in form.problems)))
    outputs = [to_quarantine(identity, form.problems)]
    outputs += feedback(identity, hops, "rejected", stamp, problems=problems,
                        repairs=form.repairs, credit_code=form.credit_code,
                        source_known=source_known)
    return _outcome(OutcomeStatus.REJECTED, identity, outputs, problems, form.credit_code)


def _outcome(
    status: OutcomeStatus, identity: Input, outputs: list[OutboundMessage], problems: tuple[Problem, ...],
    credit_code: str | None, **found: Any,
) -> Outcome:
    return Outcome(
        status=status,
        inbound=identity.message,
        message_id=identity.message_id,
        source=identity.source,
        record_type=identity.record_type,
        outputs=tuple(outputs),
        received_at=identity.received_at,
        correlation_id=identity.correlation_id,
        problems=problems,
        credit_code=credit_code,
        **found,
    )


def feedback(
    identity: Input,
    hops: tuple[Hop, ...],
    status: FeedbackStatus,
    stamp: Stamp,
    *,
    problems: Sequence[Problem],
    repairs: Sequence[Repair] = (),
    credit_code: str | None,
    source_known: bool,
) -> list[OutboundMessage]:
    """The ``status`` feedback about ``identity``, its envelope's hops ending with ``feedback``."""
    hops = (*hops, stamp.hop(EventKind.FEEDBACK, status))
    payload = feedback_payload(identity, status, stamp.clock(), problems=problems,
                               repairs=repairs, credit_code=credit_code)
    return feedback_messages(identity, hops, payload, source_known=source_known)


def input_of(envelope: Envelope, headers: Mapping[str, Any] | None = None) -> Input:
    """The identity of an input already standardised, rebuilt from its envelope, so that a later
    stage (the review verifier) builds its outputs with the functions here.

    Feedback then regards the same input (message ids, correlation, source). The message body
    is the unified record as JSON: a quarantine copy made for this input carries that record
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
    return Input(
        message=message,
        message_id=envelope.message_id,
        received_at=envelope.received_at,
        source=envelope.source,
        record_type=envelope.record_type,
        schema_version=envelope.schema_version,
    )


def envelope_headers(envelope: Envelope) -> dict[str, Any]:
    """The envelope fields a consumer may want to filter on without parsing the body."""
    headers = {
        "hub-source": envelope.source,
        "hub-record-type": envelope.record_type,
        "hub-schema-version": envelope.schema_version,
        "hub-content-hash": envelope.content_hash,
    }
    if envelope.payload_digest:
        headers["hub-payload-digest"] = envelope.payload_digest
    if envelope.credit_code:
        headers["hub-credit-code"] = envelope.credit_code
    return headers


def make_envelope(
    identity: Input, hops: Sequence[Hop], payload: dict[str, Any], credit_code: str | None, *,
    source: str | None = None, record_type: str | None = None, message_id: str | None = None,
) -> Envelope:
    """``payload`` in its envelope: about ``identity`` (as the given source, record type and
    message id, if given), with ``hops`` as its trace."""
    source = source or identity.source
    record_type = record_type or identity.record_type
    hashed, digest = fingerprints(source, record_type, payload)
    return Envelope(
        message_id=message_id or identity.message_id,
        correlation_id=identity.correlation_id,
        source_message_id=identity.message.message_id,
        source=source,
        record_type=record_type,
        schema_version=identity.schema_version,
        received_at=identity.received_at,
        content_hash=hashed,
        credit_code=credit_code,
        hops=list(hops),
        payload=payload,
        payload_digest=digest,
    )


def to_destination(
    envelope: Envelope, destination: str, disclosure: Disclosure = Disclosure.WHOLE
) -> OutboundMessage:
    """The envelope as a persistent JSON message for one destination queue, with the personal
    data ``disclosure`` allows (:func:`disclosed`)."""
    envelope = disclosed(envelope, disclosure)
    return OutboundMessage(
        exchange=OUTBOUND,
        routing_key=destination,
        body=envelope.to_bytes(),
        content_type="application/json",
        headers=envelope_headers(envelope),
        message_id=envelope.message_id,
        correlation_id=envelope.correlation_id,
    )


def disclosed(envelope: Envelope, disclosure: Disclosure) -> Envelope:
    """``envelope`` as a destination with ``disclosure`` receives it.

    The same envelope when nothing is withheld; else a copy whose payload has the personal data
    masked, with its own content hash and digest: the hash is the idempotency key of what the
    destination holds, and the digest lets it check what it was sent. The message id stays, so
    a trace follows the record to every destination.
    """
    payload = disclose(envelope.record_type, envelope.payload, disclosure)
    if payload is envelope.payload:
        return envelope
    hashed, digest = fingerprints(envelope.source, envelope.record_type, payload)
    return envelope.model_copy(
        update={"payload": payload, "content_hash": hashed, "payload_digest": digest}
    )


def to_quarantine(identity: Input, problems: Sequence[Problem]) -> OutboundMessage:
    """The original body, byte for byte, with the reasons and the source's own headers."""
    original = identity.message
    headers: dict[str, Any] = dict(original.headers)
    headers.update(
        {
            "hub-message-id": identity.message_id,
            "hub-source": identity.source,
            "hub-record-type": identity.record_type,
            "hub-routing-key": original.routing_key,
            "hub-received-at": identity.received_at.isoformat(),
            "hub-reasons": json.dumps(problems_json(list(problems)), ensure_ascii=False),
        }
    )
    if original.message_id:
        headers["hub-source-message-id"] = original.message_id
    if original.reply_to:
        # What the source asked for, kept for operators; nothing ever publishes to it from here.
        headers["hub-reply-to"] = original.reply_to
    return original.copy_to(OUTBOUND, QUARANTINE, headers, identity.message_id,
                            identity.correlation_id)


def feedback_payload(
    identity: Input,
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
        "regarding_message_id": identity.message_id,
        "regarding_correlation_id": identity.correlation_id,
        "source": identity.source,
        "record_type": identity.record_type,
        "status": status,
        "problems": problems_json(list(problems)),
        "repairs": [dict(r) for r in repairs],
        "issued_at": issued_at.isoformat(),
    }
    if identity.message.message_id:
        payload["regarding_source_message_id"] = identity.message.message_id
    if credit_code:
        payload["credit_code"] = credit_code
    return payload


def feedback_messages(
    identity: Input, hops: Sequence[Hop], payload: dict[str, Any], *, source_known: bool
) -> list[OutboundMessage]:
    """Feedback to the source's queue ``hub.out.<source>`` and to its ``reply_to``, if that is
    one the source owns (:func:`~hub.pipeline.reply_to.reply_address`; any other gets nothing).

    A ``reply_to`` copy is not mandatory: a department naming a queue that does not exist must
    not hold up other messages; its feedback still reaches ``hub.out.<source>``.
    """
    envelope = make_envelope(
        identity,
        hops,
        payload,
        payload.get("credit_code"),
        source=HUB_SOURCE,
        record_type=FEEDBACK,
        message_id=payload["feedback_id"],
    )
    messages = []
    reply_to, _ = reply_address(identity.source, identity.message.reply_to)
    if source_known:
        messages.append(to_destination(envelope, identity.source))
    if reply_to:
        to_source = to_destination(envelope, reply_to)
        messages.append(replace(to_source, exchange="", routing_key=reply_to, mandatory=False))
    return messages
