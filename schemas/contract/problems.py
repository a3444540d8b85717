"""A problem with a record: a stable reason code, the field path and a message for people.

Every stage reports problems in this one shape, whatever produced them (transform, validation,
routing, the hub itself), so feedback records and quarantine headers look the same for all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


class _ProblemLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def message(self) -> str: ...


@dataclass(frozen=True)
class Problem:
    """One reason a record was rejected or changed. ``path`` is "" for the whole record."""

    code: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def of(cls, other: _ProblemLike) -> Problem:
        """Convert a problem reported by another package (same three attributes)."""
        return cls(code=other.code, path=other.path, message=other.message)


#: Header in which an adapter's refusal travels with the record it refused (a JSON list of
#: problems); the processor rejects such a record with those problems.
ADAPTER_PROBLEMS_HEADER = "hub-adapter-problems"

# Reason codes the hub itself emits (the standard's codes are in schemas, transforms and routes).
SOURCE_UNKNOWN = "source.unknown"
ROUTING_KEY_INVALID = "routing_key.invalid"
RECORD_TYPE_NOT_ACCEPTED = "record_type.not_accepted"
MESSAGE_TOO_LARGE = "message.too_large"
INTERNAL_ERROR = "hub.internal_error"
# Why the review verifier handed a record back to people (hub.review.dead; see hub.review).
ENVELOPE_INVALID = "envelope.invalid"
DELIVERY_REFUSED = "delivery.refused"
DELIVERY_EXHAUSTED = "delivery.exhausted"
PUBLISH_REFUSED = "publish.refused"
REVIEW_UNDECIDABLE = "review.undecidable"
REVIEW_LOOKUP_REFUSED = "review.lookup_refused"
REVIEW_LOOKUP_UNAVAILABLE = "review.lookup_unavailable"

HUB_REASON_CODES: dict[str, str] = {
    SOURCE_UNKNOWN: "The routing key names a system the hub does not know.",
    ROUTING_KEY_INVALID: "The routing key is not <source-id>.<record-type>.",
    RECORD_TYPE_NOT_ACCEPTED: "Sources may not send this record type (feedback is the hub's).",
    MESSAGE_TOO_LARGE: "The body exceeds the configured size limit (max_message_bytes).",
    INTERNAL_ERROR: "The hub failed on this message; operators are alerted, the body is kept.",
    ENVELOPE_INVALID: "A message on an outbound queue is not a valid envelope; it is "
    "dead-lettered with its body.",
    DELIVERY_REFUSED: "The destination refused the record for good (its answer is kept as the "
    "last error); it is dead-lettered for an administrator to repair and retry.",
    DELIVERY_EXHAUSTED: "The destination stayed unreachable along the whole retry schedule; "
    "the record is dead-lettered for an administrator to retry.",
    PUBLISH_REFUSED: "The broker refused the outputs of an input on every attempt; the input "
    "is dead-lettered in hub.inbound.dead.",
    REVIEW_UNDECIDABLE: "The legal-entity library cannot settle this review: the record carries "
    "no code under review, or no name to compare with the registered one; people decide.",
    REVIEW_LOOKUP_REFUSED: "The legal-entity library refused the lookup or answered outside its "
    "contract (credentials, a malformed answer); people decide until it is fixed.",
    REVIEW_LOOKUP_UNAVAILABLE: "The legal-entity library could not be reached along the whole "
    "retry schedule; people decide.",
}


def problems_json(problems: list[Problem]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in problems]
