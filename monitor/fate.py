"""The fate of one input, judged from its passes through the hub (rules of :mod:`monitor.report`).

Pure functions of journal steps: no database, no clock. See :mod:`monitor.report` for the
semantics these rules implement (states, latest step per destination, replays, delays).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.journal.passes import Pass, Step

#: The place the review verifier's events concern (schemas.contract.topology.REVIEW).
REVIEW = "review"
#: The states of a message, in the order the report prints them.
STATES = ("delivered", "rejected", "dead_lettered", "in_flight")

# State of one copy at its destination.
DONE, DEAD, PENDING = "delivered", "dead_lettered", "in_flight"
_OUTCOMES = {"delivered": DONE, "duplicate": DONE, "dead_lettered": DEAD,
             "retried": PENDING, "failed": PENDING}  # fmt: skip


@dataclass(frozen=True)
class Fate:
    """What became of one message: its state, each routed copy's state, the timed deliveries."""

    state: str
    copies: dict[str, str]
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
            if step.kind == "feedback":
                feedback = True
            elif place is None or place == REVIEW:
                continue  # the review verifier's retried and dead_lettered belong to the verdict
            elif step.kind == "routed":
                routed[place] = (index, step)
            elif step.kind in _OUTCOMES:
                latest = outcome.get(place)
                if latest is None or step.at >= latest[1].at:
                    outcome[place] = (index, step)
            if step.kind in ("routed", "delivered") and place is not None:
                key = (place, step.kind)
                first[key] = min(first.get(key, step.at), step.at)
    copies: dict[str, str] = {}
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
        timed = first.get((destination, "delivered"))
        if timed is None and reached:
            timed = first[(destination, "routed")]
        if copies[destination] == DONE and timed is not None:
            delays.append(max(0.0, (timed - passes[0].received_at).total_seconds()))
    verdict = _verdict(passes[-1])
    if verdict == "rejected":
        state = "rejected"
    elif verdict == "handed_over" or DEAD in copies.values():
        state = "dead_lettered"
    elif verdict == "routed" and all(s == DONE for s in copies.values()):
        state = "delivered"
    else:
        state = "in_flight"
    return Fate(state, copies, tuple(delays), feedback)


def _verdict(one: Pass) -> str:
    """How the pipeline left one pass: rejected, routed, in_review, handed_over or unknown."""
    kinds = {step.kind for step in one.steps}
    if not kinds:
        return "unknown"
    if "rejected" in kinds:
        return "rejected"
    if "review" in kinds:
        # The verifier's own steps, in order; the worker's "review" precedes them all, whatever
        # the two hosts' clocks say.
        verifier = [s.kind for s in one.steps if s.destination == REVIEW and s.kind != "review"]
        last = verifier[-1] if verifier else "review"
        return {"verified": "routed", "dead_lettered": "handed_over"}.get(last, "in_review")
    return "routed"
