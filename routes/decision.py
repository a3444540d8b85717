"""The result of routing one record: plain dataclasses a CLI can print as JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from schemas.contract.problems import Problem

__all__ = ["CLAIM", "Problem", "RouteMatch", "RoutingDecision"]

#: Pseudo-destination: the dual-notification claim queue (认领), not a system.
CLAIM = "claim"


@dataclass(frozen=True)
class RouteMatch:
    """One reason a destination was chosen: the destination, the rule id and why."""

    destination: str
    rule: str
    why: str


@dataclass(frozen=True)
class RoutingDecision:
    """Where a record goes and why.

    - ``destinations``: system ids (or ``claim``) in first-match order, without duplicates.
    - ``matches``: every (destination, rule, why) behind ``destinations``; a destination reached
      by two rules or two licensed items appears once per reason.
    - ``skipped``: matches dropped because the destination is the record's own source.
    - ``problems``: e.g. ``route.unknown_destination`` for a department id that is not a known
      system (that destination is not used), ``route.no_match`` when nothing is left.
    """

    destinations: tuple[str, ...]
    matches: tuple[RouteMatch, ...] = ()
    skipped: tuple[RouteMatch, ...] = ()
    problems: tuple[Problem, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data."""
        return asdict(self)
