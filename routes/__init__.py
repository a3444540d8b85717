"""Routing: which systems receive a record, declared as data in ``routes/rules/*.yaml``.

Public API::

    table = RouteTable.load(systems=..., record_types=...)   # shipped rules; RouteConfigError if wrong
    decision = table.route("discipline_measure", "market", payload)
    decision.destinations, decision.matches, decision.problems
    issues = lint(systems=..., record_types=...)             # list[LintIssue]; empty = clean

Callers inject the known system ids and record types, so this package depends on neither the
systems catalogue nor the schemas.
"""

from routes.decision import CLAIM, Problem, RouteMatch, RoutingDecision
from routes.findings import LintIssue, RouteConfigError
from routes.lint import lint
from routes.table import RouteTable

__all__ = [
    "CLAIM",
    "LintIssue",
    "Problem",
    "RouteConfigError",
    "RouteMatch",
    "RouteTable",
    "RoutingDecision",
    "lint",
]
