"""The fate of one input, judged from its passes through the hub (rules of :mod:`monitor.report`).

Pure functions of journal steps: no database, no clock. See :mod:`monitor.report` for the
semantics these rules implement (states, latest step per destination, replays, delays).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hub.journal.passes import Pass, Step
from schemas.contract.states import EventKind
from schemas.contract.topology import REVIEW


class FateState(StrEnum):
    """The state of a message, or of one routed copy at its destination (a copy is never
    rejected). The values are the report's column names (:mod:`monitor.report_format`)."""

    DELIVERED = "delivered"
    REJECTED = "rejected"
    DEAD_LETTERED = "dead_lettered"
    IN_FLIGHT = "in_flight"


#: The states of a message, in the order the report prints them.
STATES: tuple[FateState, ...] = tuple(FateState)

# State of one copy at its destination.
DONE, DEAD, PENDING = FateState.DELIVERED, FateState.DEAD_LETTERED, FateState.IN_FLIGHT
#: A destination's latest delivery step -> the state of the copy there.
_OUTCOMES: dict[str, FateState] = {
    EventKind.DELIVERED: DONE, EventKind.DUPLICATE: DONE, EventKind.DEAD_LETTERED: DEAD,
    EventKind.RETRIED: PENDING, EventKind.FAILED: PENDING,
}  # fmt: skip


class _Verdict(StrEnum):
    """How the pipeline (and the review verifier) left one pass."""

    REJECTED = "rejected"
    ROUTED = "routed"
    IN_REVIEW = "in_review"
    HANDED_OVER = "handed_over"
    UNKNOWN = "unknown"


#: The verifier's last step of a pass -> its verdict (any other, or none yet: in review).
_REVIEW_VERDICTS: dict[str, _Verdict] = {
    EventKind.VERIFIED: _Verdict.ROUTED, EventKind.DEAD_LETTERED: _Verdict.HANDED_OVER,
}  # fmt: skip


@dataclass(frozen=True)
class Fate:
    """What became of one message: its state, each routed copy's state, the timed deliveries."""

    state: FateState
    copies: dict[str, FateState]
    delays: tuple[float, ...]
    feedback: bool


def judge(passes: Sequence[Pass], delivered_by_hub: Collection[str]) -> Fate:
    """The fate of one message from its passes, oldest first (see the module's semantics).

    ``delivered_by_hub``: destinations with an outbound adapter; all others are queue-only.
    """
    routed: dict[str, tuple[int, Step]] = {}  # destination -> latest routing (pass, step)
    outcome: dict[str, tuple[int, Step]] = {}  # destination -> latest delivery step
    first: dict[tuple[str, str], datetime] = {}  # (destination, routed|delivered) -> earliest
    feedback = False
    for index, one in enumerate(passes):
        for step in one.steps:
            place = step.destination
            if step.kind == EventKind.FEEDBACK:
                feedback = True
            elif place is None or place == REVIEW:
                continue  # the review verifier's retried and dead_lettered belong to the verdict
            elif step.kind == EventKind.ROUTED:
                routed[place] = (index, step)
            elif step.kind in _OUTCOMES:
                latest = outcome.get(place)
                if latest is None or step.at >= latest[1].at:
                    outcome[place] = (index, step)
            if step.kind in (EventKind.ROUTED, EventKind.DELIVERED) and place is not None:
                key = (place, step.kind)
                first[key] = min(first.get(key, step.at), step.at)
    copies: dict[str, FateState] = {}
    delays: list[float] = []
    for destination, (routed_in, routing) in routed.items():
        last = outcome.get(destination)
        if last is None or (last[0] != routed_in and routing.at > last[1].at):
            # Routed (again, by a later pass) and nothing happened there since.
            reached = destination not in delivered_by_hub
            copies[destination] = DONE if reached else PENDING
        else:
            reached = False
            copies[destination] = _OUTCOMES[last[1].kind]
        # Timed: when the destination first had it (duplicates only: it had it from elsewhere).
        timed = first.get((destination, EventKind.DELIVERED))
        if timed is None and reached:
            timed = first[(destination, EventKind.ROUTED)]
        if copies[destination] == DONE and timed is not None:
            delays.append(max(0.0, (timed - passes[0].received_at).total_seconds()))
    verdict = _verdict(passes[-1])
    if verdict == _Verdict.REJECTED:
        state = FateState.REJECTED
    elif verdict == _Verdict.HANDED_OVER or DEAD in copies.values():
        state = FateState.DEAD_LETTERED
    elif verdict == _Verdict.ROUTED and all(s == DONE for s in copies.values()):
        state = FateState.DELIVERED
    else:
        state = FateState.IN_FLIGHT
    return Fate(state, copies, tuple(delays), feedback)


def _verdict(one: Pass) -> _Verdict:
    """How the pipeline left one pass: rejected, routed, in_review, handed_over or unknown."""
    kinds = {step.kind for step in one.steps}
    if not kinds:
        return _Verdict.UNKNOWN
    if EventKind.REJECTED in kinds:
        return _Verdict.REJECTED
    if EventKind.REVIEW in kinds:
        # The verifier's own steps, in order; the worker's "review" precedes them all, whatever
        # the two hosts' clocks say.
        verifier = [s.kind for s in one.steps
                    if s.destination == REVIEW and s.kind != EventKind.REVIEW]
        last = verifier[-1] if verifier else EventKind.REVIEW
        return _REVIEW_VERDICTS.get(last, _Verdict.IN_REVIEW)
    return _Verdict.ROUTED
