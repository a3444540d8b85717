"""The messages the review verifier publishes, built with the pipeline's own builders.

- verified and routed: the envelope, enriched with the registered entities and two hops
  (``verified``, ``routed``), to each destination's queue, plus feedback ``accepted`` carrying a
  ``credit_code.verified`` note per code;
- not verified (or no route): the unified record to ``hub.quarantine`` with the reasons, plus
  feedback ``rejected`` naming them.

The payload, and so the content hash that destinations de-duplicate on, is never changed. Pure
functions of values, like :mod:`hub.pipeline.outputs`.
"""

from __future__ import annotations

from datetime import datetime

from hub.pipeline.outputs import (
    Context,
    context_of,
    feedback_messages,
    feedback_payload,
    to_destination,
    to_quarantine,
)
from hub.review.verification import Verified
from routes import RoutingDecision
from schemas.contract.envelope import Envelope, Hop
from schemas.contract.messages import OutboundMessage
from schemas.contract.problems import Problem
from schemas.contract.states import EventKind
from schemas.contract.topology import REVIEW
from schemas.v1.feedback import FeedbackStatus

#: Header on a quarantine copy made after review: its body is the unified record, not the
#: bytes the source sent (those are in the journal under ``hub-message-id``).
QUARANTINED_AFTER_HEADER = "hub-quarantined-after"


def verified_outputs(
    envelope: Envelope,
    verified: Verified,
    decision: RoutingDecision,
    *,
    at: datetime,
    node: str,
    source_known: bool,
) -> list[OutboundMessage]:
    """The enriched envelope to every destination of ``decision``, and accepted feedback."""
    codes = ", ".join(f"{e.credit_code} ({e.path})" for e in verified.entities)
    rules = ", ".join(dict.fromkeys(m.rule for m in decision.matches))
    hops = [
        *envelope.hops,
        Hop(stage=EventKind.VERIFIED, at=at, node=node, detail=f"by the legal-entity library: {codes}"),
        Hop(stage=EventKind.ROUTED, at=at, node=node,
            detail=f"{', '.join(decision.destinations)} by {rules}"),
    ]
    enriched = envelope.model_copy(update={"entities": list(verified.entities), "hops": hops})
    outputs = [to_destination(enriched, d) for d in decision.destinations]
    ctx = context_of(enriched)
    return outputs + _feedback(ctx, "accepted", list(verified.notes), envelope, at, node,
                               source_known)


def rejected_outputs(
    envelope: Envelope,
    problems: list[Problem],
    *,
    at: datetime,
    node: str,
    source_known: bool,
) -> list[OutboundMessage]:
    """The unified record to quarantine with ``problems``, and rejected feedback."""
    ctx = context_of(envelope, {QUARANTINED_AFTER_HEADER: REVIEW})
    ctx.hops.append(Hop(stage=EventKind.REJECTED, at=at, node=node,
                        detail=", ".join(p.code for p in problems)))
    return [to_quarantine(ctx, problems)] + _feedback(ctx, "rejected", problems, envelope, at,
                                                      node, source_known)


def _feedback(
    ctx: Context,
    status: FeedbackStatus,
    problems: list[Problem],
    envelope: Envelope,
    at: datetime,
    node: str,
    source_known: bool,
) -> list[OutboundMessage]:
    ctx.hops.append(Hop(stage=EventKind.FEEDBACK, at=at, node=node, detail=status))
    payload = feedback_payload(ctx, status, at, problems=problems, credit_code=envelope.credit_code)
    return feedback_messages(ctx, payload, source_known=source_known)
