"""A problem with a record: a stable reason code, the field path and a message for people.

Every stage reports problems in this one shape, whatever produced them (transform, validation,
routing, the hub itself), so feedback records and quarantine headers look the same for all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from schemas.contract.reasons import Reason, table


@dataclass(frozen=True)
class Problem:
    """One reason a record was rejected or held: ``code`` a registered reason code (see
    :mod:`schemas.contract.reasons`), ``path`` the dotted field path in the unified form
    (``party.credit_code``, ``penalty_categories.1``) or a location in what the source sent
    (``row 12/licence_number``), "" for the whole record; ``message`` a sentence for people.

    The one shape for validation, transforms, routing, adapters and the hub itself.
    """

    code: str
    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


#: Header in which an adapter's refusal travels with the record it refused (a JSON list of
#: problems); the processor rejects such a record with those problems.
ADAPTER_PROBLEMS_HEADER = "hub-adapter-problems"

# Reason codes the hub itself emits (the standard's codes are in schemas, transforms and routes).
SOURCE_UNKNOWN = "source.unknown"
ROUTING_KEY_INVALID = "routing_key.invalid"
RECORD_TYPE_NOT_ACCEPTED = "record_type.not_accepted"
MESSAGE_TOO_LARGE = "message.too_large"
AUTHORITY_NOT_SENDER = "authority.not_sender"
INTERNAL_ERROR = "hub.internal_error"
# Told in feedback about an input the hub took, whose return address it did not use.
REPLY_TO_REFUSED = "reply_to.refused"
# Why the review verifier handed a record back to people (hub.review.dead; see hub.review).
ENVELOPE_INVALID = "envelope.invalid"
DELIVERY_REFUSED = "delivery.refused"
DELIVERY_EXHAUSTED = "delivery.exhausted"
PUBLISH_REFUSED = "publish.refused"
REVIEW_UNDECIDABLE = "review.undecidable"
REVIEW_LOOKUP_REFUSED = "review.lookup_refused"
REVIEW_LOOKUP_UNAVAILABLE = "review.lookup_unavailable"
# Told to a caller (a SOAP fault) that must send again later; no record is kept.
HUB_UNAVAILABLE = "hub.unavailable"

#: The hub's own reasons for refusing an input (sent back in feedback).
HUB_PROBLEMS: tuple[Reason, ...] = table({
    SOURCE_UNKNOWN: "The routing key names a system the hub does not know.",
    ROUTING_KEY_INVALID: "The routing key is not <source-id>.<record-type>.",
    RECORD_TYPE_NOT_ACCEPTED: "Sources may not send this record type (feedback is the hub's).",
    MESSAGE_TOO_LARGE: "The body exceeds the configured size limit (max_message_bytes).",
    AUTHORITY_NOT_SENDER: "The record names an authority or data source (a credit code such "
    "as authority_credit_code, or a system id such as department) that is not the sender's own "
    "in the systems catalogue; only systems declared as relays of that record type may send "
    "records in another authority's name.",
    INTERNAL_ERROR: "The hub failed on this message; operators are alerted, the body is kept.",
})

#: Facts the hub reports in feedback that neither refuse nor change the record.
HUB_NOTES: tuple[Reason, ...] = table({
    REPLY_TO_REFUSED: "The message's reply_to names a queue that is not the source's own "
    "(hub.reply.<source>.<name>, or RabbitMQ's direct reply-to amq.rabbitmq.reply-to); no copy "
    "was sent there. The record itself was processed as usual; this feedback in "
    "hub.out.<source> is the answer.",
}, kind="note")

#: Why the hub dead-lettered a message or could not take one (for administrators and callers).
HUB_OPERATIONAL: tuple[Reason, ...] = table({
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
    HUB_UNAVAILABLE: "The hub cannot take records now (its broker is unreachable); nothing was "
    "kept, the caller sends the record again later.",
}, kind="operational")

#: Every reason code the hub itself owns (the standard's, the transforms', the routes' and the
#: adapters' are in their packages; ``hub.pipeline.reasons`` merges them all).
HUB_REASONS: tuple[Reason, ...] = HUB_PROBLEMS + HUB_NOTES + HUB_OPERATIONAL


def problems_json(problems: list[Problem]) -> list[dict[str, Any]]:
    return [p.as_dict() for p in problems]
