"""The record path for one input, one module per stage, in the order a record takes them:

1. :mod:`~hub.pipeline.receive`: an :class:`InboundMessage` becomes :class:`Received`
   (identity, first hop), then its addressing is checked (routing key, size, source, type);
2. :mod:`~hub.pipeline.standardise`: decoded, mapped and validated into :class:`Standardised`
   (or :class:`UnderReview`, or a :class:`Refusal`);
   then :mod:`~hub.pipeline.authorise` refuses a record naming an authority its sender may not
   speak for (the systems catalogue's ``credit_codes`` and ``relays``);
3. :mod:`~hub.pipeline.route`: the destinations and the rules behind them, :class:`Routed`;
4. :mod:`~hub.pipeline.build`: envelopes, the quarantine copy and feedback, in an
   :class:`Outcome`; the worker (:mod:`hub.runtime.worker`) then publishes them.

:mod:`~hub.pipeline.forms` holds the forms; :class:`Processor` composes the stages; pure of the
broker, every stage is testable without one. :data:`REASONS` is the one reason registry, every
package's codes merged.
"""

from hub.pipeline.forms import (
    Outcome,
    Received,
    Refusal,
    Routed,
    Standardised,
    UnderReview,
)
from hub.pipeline.processor import Processor
from hub.pipeline.reasons import REASONS

__all__ = [
    "REASONS",
    "Outcome",
    "Processor",
    "Received",
    "Refusal",
    "Routed",
    "Standardised",
    "UnderReview",
]
