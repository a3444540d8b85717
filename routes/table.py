"""The route table: loaded once at start-up, then asked where each record goes."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from routes.build import CompiledRule, build
from routes.decision import Problem, RouteMatch, RoutingDecision
from routes.findings import RouteConfigError
from routes.predicates import fields_hold

#: Feedback goes straight back to the source of the record it is about; rules never route it.
FEEDBACK = "feedback"


class RouteTable:
    """Rules in load order (files sorted by name, then file order); build it with :meth:`load`."""

    def __init__(
        self, rules: Sequence[CompiledRule], record_types: Collection[str]
    ) -> None:
        self._rules = tuple(rules)
        self._record_types = frozenset(record_types)

    @classmethod
    def load(
        cls,
        paths: Sequence[Path] | None = None,
        *,
        systems: Collection[str],
        record_types: Collection[str],
        data_dir: Path | None = None,
    ) -> RouteTable:
        """Load route files (``None`` = the shipped rules; a directory = its ``*.yaml``).

        ``systems`` are the known system ids, ``record_types`` the known record type ids;
        ``data_dir`` holds the resolvers' data files (default: the shipped ``routes/data``).
        Raises :class:`RouteConfigError` listing every problem (bad YAML, unknown key, duplicate
        id, unknown record type, source, destination or resolver, bad data file). Examples that
        do not hold are not load errors; :func:`routes.lint.lint` reports them.
        """
        result = build(
            paths, systems=systems, record_types=record_types, data_dir=data_dir
        )
        if result.issues:
            raise RouteConfigError(result.issues)
        return cls(result.rules, record_types)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Ids of the rules, in the order they are applied."""
        return tuple(compiled.rule.id for compiled in self._rules)

    def route(
        self, record_type: str, source: str, payload: Mapping[str, Any]
    ) -> RoutingDecision:
        """Where a record of ``record_type`` from ``source`` goes, and why.

        Never raises on bad record data: problems are reported in the decision. A destination
        equal to ``source`` is dropped (listed in ``skipped``) unless the rule allows it.
        """
        if not isinstance(payload, Mapping):
            return _nowhere(
                Problem("body.not_an_object", "", "the payload must be a JSON object")
            )
        if record_type == FEEDBACK:
            return _nowhere(
                Problem(
                    "route.no_match",
                    "",
                    "feedback is returned to its source by the hub, not routed by rules",
                )
            )
        if record_type not in self._record_types:
            return _nowhere(
                Problem("route.no_match", "", f"unknown record type {record_type!r}")
            )
        matches: list[RouteMatch] = []
        skipped: list[RouteMatch] = []
        problems: list[Problem] = []
        for compiled in self._rules:
            rule = compiled.rule
            sources = rule.match.sources
            if record_type not in rule.match.record_types or (
                sources is not None and source not in sources
            ):
                continue
            if not fields_hold(rule.match.fields, payload):
                continue
            resolution = compiled.resolver.resolve(payload)
            problems.extend(p for p in resolution.problems if p not in problems)
            for destination, why in resolution.targets:
                found = RouteMatch(destination, rule.id, why)
                back = destination == source and not rule.allow_back_to_source
                (skipped if back else matches).append(found)
        destinations = tuple(dict.fromkeys(m.destination for m in matches))
        if not destinations:
            problems.append(
                Problem(
                    "route.no_match",
                    "",
                    _no_match_message(record_type, source, skipped),
                )
            )
        return RoutingDecision(
            destinations, tuple(matches), tuple(skipped), tuple(problems)
        )


def _nowhere(problem: Problem) -> RoutingDecision:
    return RoutingDecision((), problems=(problem,))


def _no_match_message(
    record_type: str, source: str, skipped: Sequence[RouteMatch]
) -> str:
    if skipped:
        rules = ", ".join(sorted({m.rule for m in skipped}))
        return f"the only destinations ({rules}) are the source {source!r} itself"
    return f"no route matches a {record_type} from {source!r}"
