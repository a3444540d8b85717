"""The states a message passes through that more than one layer names: typed, not bare strings.

Each is a :class:`enum.StrEnum`, so a member *is* its value: it compares equal to the plain
string, hashes like it, and JSON (the standard library's and pydantic-core's), AMQP headers,
database drivers and metric labels all see the plain string. The journal's stored data, the
wire and the metrics stay byte-for-byte what they were when these were bare strings; renaming
a *value* here would change them, so the tests pin every value.

States private to one package live in it (the review verifier's verdicts in :mod:`hub.review`,
the reconciliation report's fates in :mod:`monitor.fate`). The ground layer: imports nothing
else of the project.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class OutcomeStatus(StrEnum):
    """What the pipeline made of one input (``Outcome.status``, the journal's stored
    ``outcome.status``)."""

    #: Standardised and routed: envelopes went to every destination the routes chose.
    DELIVERED = "delivered"
    #: Kept but held for the legal-entity library's check (a copy on the review queue).
    REVIEW = "review"
    #: Quarantined with its reasons; the source was told.
    REJECTED = "rejected"


class EventKind(StrEnum):
    """Every kind of journal event (hop) of a message, in roughly the order a message meets
    them. The journal stores the value in its ``event`` column; the envelope's hop stages are
    the first few of them (:data:`HOP_STAGES`)."""

    RECEIVED = "received"
    REJECTED = "rejected"
    STANDARDISED = "standardised"
    ROUTED = "routed"
    REVIEW = "review"
    VERIFIED = "verified"
    FEEDBACK = "feedback"
    DELIVERED = "delivered"
    DUPLICATE = "duplicate"
    RETRIED = "retried"
    FAILED = "failed"
    DEAD_LETTERED = "dead_lettered"
    REPLAYED = "replayed"


#: Stages an envelope's hops name (``Hop.stage``), in the order a message passes them.
HOP_STAGES: tuple[EventKind, ...] = (
    EventKind.RECEIVED, EventKind.STANDARDISED, EventKind.ROUTED, EventKind.REJECTED,
    EventKind.REVIEW, EventKind.VERIFIED, EventKind.FEEDBACK,
)  # fmt: skip

#: The events a delivery runner reports for one copy at its destination (``failed`` is no
#: longer reported, but older journals hold it and the report still reads it).
DeliveryKind = Literal[
    EventKind.DELIVERED, EventKind.DUPLICATE, EventKind.RETRIED, EventKind.FAILED,
    EventKind.DEAD_LETTERED,
]  # fmt: skip
