"""The forms one input takes on its way through the pipeline, in order.

::

    InboundMessage --receive--> Received --standardise--> Standardised --route--> Routed
                        \\                   \\                          \\
                         Refusal              Refusal | UnderReview       Refusal
    Standardised | UnderReview --authorise--> the same form, or a Refusal (before route)
    Routed | UnderReview | Refusal --build--> Outcome (its outputs: OutboundMessages)

Every form after the first carries the :class:`Input` (who the input is, fixed on arrival) and
the hops so far; a stage hands on a new form, never changes one. The forms hold references only:
the body stays the bytes the source sent until the build stage encodes an envelope once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from routes import RouteMatch
from schemas.contract.envelope import Hop
from schemas.contract.messages import InboundMessage, OutboundMessage
from schemas.contract.problems import Problem
from schemas.contract.states import OutcomeStatus

#: The record type of the feedback the hub writes to sources (which no source may send).
FEEDBACK = "feedback"

#: A repair the validator made, as feedback reports it (code, path, original, repaired).
Repair = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Input:
    """Who one input is, fixed on arrival: the message as sent, the hub's id for it, when it
    arrived, and the source, record type and schema version it claims."""

    message: InboundMessage
    message_id: str
    received_at: datetime
    source: str
    record_type: str
    schema_version: str

    @property
    def correlation_id(self) -> str:
        """The source's correlation id, else its message id, else the hub's."""
        return self.message.correlation_id or self.message.message_id or self.message_id


@dataclass(frozen=True, slots=True)
class Received:
    """An input taken in: identified and, once receive has checked it, properly addressed."""

    input: Input
    hops: tuple[Hop, ...]


@dataclass(frozen=True, slots=True)
class _UnifiedRecord:
    """What the forms after validation share: the record in the unified standard, its credit
    code, and what validation noted (``problems`` that did not reject it) and repaired."""

    input: Input
    hops: tuple[Hop, ...]
    record: dict[str, Any]
    credit_code: str | None
    problems: tuple[Problem, ...]
    repairs: tuple[Repair, ...]


@dataclass(frozen=True, slots=True)
class Standardised(_UnifiedRecord):
    """A valid record in the unified standard, ready to route."""


@dataclass(frozen=True, slots=True)
class UnderReview(_UnifiedRecord):
    """A record in the unified standard that a person must look at (``problems`` say why)."""


@dataclass(frozen=True, slots=True)
class Routed(_UnifiedRecord):
    """A standardised record and the destinations it goes to, each with the rules that chose it
    (a sibling of :class:`Standardised`, not a kind of it: routing is done)."""

    destinations: tuple[str, ...]
    matches: tuple[RouteMatch, ...]


@dataclass(frozen=True, slots=True)
class Refusal:
    """An input the hub will not deliver, with the reasons (never empty) and, if it got that far,
    the repairs and credit code the feedback reports."""

    input: Input
    hops: tuple[Hop, ...]
    problems: tuple[Problem, ...]
    repairs: tuple[Repair, ...] = ()
    credit_code: str | None = None


#: Any form an input is in; the processor keeps the latest, so a bug refuses it from there.
Form = Received | Standardised | UnderReview | Routed | Refusal


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
    matches: tuple[RouteMatch, ...] = ()
    #: The unified record, once standardised (None if the input was rejected before that).
    payload: dict[str, Any] | None = None
    content_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Stamp:
    """Makes the hop a stage leaves: the processor's clock (read once per hop) and this worker."""

    clock: Callable[[], datetime]
    node: str

    def hop(self, stage: str, detail: str) -> Hop:
        return Hop(stage=stage, at=self.clock(), node=self.node, detail=detail)
