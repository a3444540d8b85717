"""The messages the review verifier publishes, built with the pipeline's own builders.

- verified and routed: the envelope, enriched with the registered entities and two hops
  (``verified``, ``routed``), to each destination's queue, plus feedback ``accepted`` carrying a
  ``credit_code.verified`` note per code;
- not verified (or no route): the unified record to ``hub.quarantine`` with the reasons, plus
  feedback ``rejected`` naming them.

The payload, and so the content hash that destinations de-duplicate on, is never changed (a
destination that may not see personal data gets it masked, as the pipeline sends it). Pure
functions of values, like :mod:`hub.pipeline.build`.
"""

from __future__ import annotations

from datetime import datetime

from hub.pipeline.build import (
    DisclosureOf,
    feedback,
    input_of,
    to_destination,
    to_quarantine,
)
from hub.pipeline.forms import Stamp
from hub.review.verification import Verified
from routes import RoutingDecision
from schemas.contract.envelope import Envelope
from schemas.contract.messages import OutboundMessage
from schemas.contract.problems import Problem
from schemas.contract.states import EventKind
from schemas.contract.topology import REVIEW

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
    disclosure_of: DisclosureOf,
) -> list[OutboundMessage]:
    """The enriched envelope to every destination of ``decision`` (with the personal data each
    may see), and accepted feedback."""
    codes = ", ".join(f"{e.credit_code} ({e.path})" for e in verified.entities)
    rules = ", ".join(dict.fromkeys(m.rule for m in decision.matches))
    stamp = _at(at, node)
    hops = (
        *envelope.hops,
        stamp.hop(EventKind.VERIFIED, f"by the legal-entity library: {codes}"),
        stamp.hop(EventKind.ROUTED, f"{', '.join(decision.destinations)} by {rules}"),
    )
    enriched = envelope.model_copy(update={"entities": list(verified.entities), "hops": list(hops)})
    outputs = [to_destination(enriched, d, disclosure_of(d)) for d in decision.destinations]
    return outputs + feedback(input_of(enriched), hops, "accepted", stamp,
                              problems=verified.notes, credit_code=envelope.credit_code,
                              source_known=source_known)


def rejected_outputs(
    envelope: Envelope,
    problems: list[Problem],
    *,
    at: datetime,
    node: str,
    source_known: bool,
) -> list[OutboundMessage]:
    """The unified record to quarantine with ``problems``, and rejected feedback."""
    identity = input_of(envelope, {QUARANTINED_AFTER_HEADER: REVIEW})
    stamp = _at(at, node)
    hops = (*envelope.hops, stamp.hop(EventKind.REJECTED, ", ".join(p.code for p in problems)))
    return [to_quarantine(identity, problems)] + feedback(
        identity, hops, "rejected", stamp, problems=problems, credit_code=envelope.credit_code,
        source_known=source_known)


def _at(at: datetime, node: str) -> Stamp:
    """Every hop and feedback record of one verdict at the same time, ``at``."""
    return Stamp(lambda: at, node)
