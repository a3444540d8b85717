"""Resolvers: named functions of a payload that compute a route's destinations.

A route names one in ``resolver:``; the table builds it once at load time through
:data:`RESOLVERS` (name -> factory), so an unknown name or a bad option stops start-up.
Each resolution returns the destinations with a human-readable *why* and any problems with the
record; it never raises on bad record data.

- ``field``: the system id(s) found at payload path ``field`` (e.g. ``enforcing_departments``).
- ``dual_notification``: approving departments of the registration's licensed items, from the
  post-registration approval list; a licensed item that matches no approval goes to ``claim``.
- ``credit_subscribers``: the systems subscribed to credit records (and to the record's category).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from routes import approvals, subscriptions
from routes.decision import CLAIM, Problem
from routes.findings import LintIssue
from routes.model import Rule
from routes.predicates import MISSING, lookup
from routes.yamlio import FileProblem
from schemas.contract.errors import ConfigError

LICENSED_ITEMS = "business_scope.licensed_items"


@dataclass(frozen=True)
class Resolution:
    """Destinations (each with why) and problems found while resolving one record."""

    targets: tuple[tuple[str, str], ...] = ()
    problems: tuple[Problem, ...] = ()


class Resolver(Protocol):
    """Computes destinations for a payload that matched the route."""

    def resolve(self, payload: Mapping[str, Any]) -> Resolution:
        """Destinations and problems for ``payload``; must not raise on bad record data."""
        ...


class ResolverOptionError(ConfigError):
    """A route gives a resolver wrong options; ``key`` is the route key at fault.

    A :class:`ConfigError`; :func:`routes.build.build` turns it into a ``config.resolver``
    finding.
    """

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass
class ResolverContext:
    """What resolvers may use: the known system ids and the data directory (files cached)."""

    systems: frozenset[str]
    data_dir: Path
    _cache: dict[str, Any] = field(default_factory=dict)

    def data(self, name: str, load: Callable[[Path], Any]) -> Any:
        """Load a data file once per table (raises ``FileProblem`` on a bad file)."""
        if name not in self._cache:
            self._cache[name] = load(self.data_dir)
        return self._cache[name]


@dataclass(frozen=True)
class Static:
    """The route's ``to:`` list."""

    to: tuple[str, ...]

    def resolve(self, payload: Mapping[str, Any]) -> Resolution:
        return Resolution(
            tuple((target, "static destination of the route") for target in self.to)
        )


@dataclass(frozen=True)
class FieldResolver:
    """System id(s) read from one payload path; unknown ids become problems, not destinations."""

    path: str
    systems: frozenset[str]

    def resolve(self, payload: Mapping[str, Any]) -> Resolution:
        value = lookup(payload, self.path)
        if value is MISSING or value is None:
            return Resolution(
                problems=(
                    Problem(
                        "field.missing",
                        self.path,
                        f"{self.path} is missing, so it names no destination",
                    ),
                )
            )
        if isinstance(value, str):
            items: list[tuple[str, Any]] = [(self.path, value)]
        elif isinstance(value, list):
            items = [(f"{self.path}.{index}", item) for index, item in enumerate(value)]
        else:
            return Resolution(
                problems=(
                    Problem(
                        "route.bad_field",
                        self.path,
                        f"{self.path} must be a system id or a list of them",
                    ),
                )
            )
        targets: list[tuple[str, str]] = []
        problems: list[Problem] = []
        for path, item in items:
            if isinstance(item, str) and item in self.systems:
                targets.append((item, f"{self.path} names {item}"))
            else:
                problems.append(
                    Problem(
                        "route.unknown_destination",
                        path,
                        f"{self.path} names {item!r}, which is not a known system; not sent there",
                    )
                )
        return Resolution(tuple(targets), tuple(problems))


@dataclass(frozen=True)
class DualNotification:
    """Approving departments of each licensed item; unmatched items go to the claim queue."""

    approvals: approvals.ApprovalList

    def resolve(self, payload: Mapping[str, Any]) -> Resolution:
        value = lookup(payload, LICENSED_ITEMS)
        items = (
            [value]
            if isinstance(value, str)
            else value
            if isinstance(value, list)
            else []
        )
        targets: list[tuple[str, str]] = []
        problems: list[Problem] = []
        for index, item in enumerate(items):
            if not isinstance(item, str):
                problems.append(
                    Problem(
                        "route.bad_field",
                        f"{LICENSED_ITEMS}.{index}",
                        "a licensed item must be text",
                    )
                )
                continue
            if not item.strip():
                continue
            hits = list(approvals.match_item(self.approvals, item))
            for hit in hits:
                why = f"licensed item {item} matched approval {hit.approval.item} (keyword {hit.keyword})"
                targets.extend(
                    (department, why) for department in hit.approval.departments
                )
            if not hits:
                targets.append(
                    (
                        CLAIM,
                        f"licensed item {item} matched no approval; published for departments to claim",
                    )
                )
        return Resolution(tuple(targets), tuple(problems))


@dataclass(frozen=True)
class CreditSubscribers:
    """Systems subscribed to credit records, filtered by the record's ``category``."""

    subscriptions: subscriptions.SubscriptionList

    def resolve(self, payload: Mapping[str, Any]) -> Resolution:
        category = payload.get("category")
        targets: list[tuple[str, str]] = []
        for subscription in self.subscriptions.subscribers:
            if subscription.categories is None:
                targets.append(
                    (
                        subscription.system,
                        f"{subscription.system} subscribes to every credit record",
                    )
                )
            elif category in subscription.categories:
                targets.append(
                    (
                        subscription.system,
                        f"{subscription.system} subscribes to credit category {category}",
                    )
                )
        return Resolution(tuple(targets))


def _unknown_ids(
    file: str, key: str, ids: Collection[str], systems: frozenset[str]
) -> list[LintIssue]:
    return [
        LintIssue(
            "config.data",
            file,
            None,
            f"{key}.{index}",
            f"{system_id!r} is not a known system",
        )
        for index, system_id in enumerate(ids)
        if system_id not in systems
    ]


def _no_options(rule: Rule) -> None:
    if rule.field is not None:
        raise ResolverOptionError(
            "field", f"resolver {rule.resolver!r} takes no 'field' option"
        )


def _build_field(rule: Rule, context: ResolverContext) -> Resolver:
    if not rule.field:
        raise ResolverOptionError(
            "field", "resolver 'field' needs 'field: <dotted payload path>'"
        )
    return FieldResolver(rule.field, context.systems)


def _build_dual_notification(rule: Rule, context: ResolverContext) -> Resolver:
    _no_options(rule)
    approval_list: approvals.ApprovalList = context.data(
        approvals.FILE_NAME, approvals.load_approvals
    )
    file = str(context.data_dir / approvals.FILE_NAME)
    issues = [
        issue
        for index, approval in enumerate(approval_list.approvals)
        for issue in _unknown_ids(
            file,
            f"approvals.{index}.departments",
            approval.departments,
            context.systems,
        )
    ]
    if issues:
        raise FileProblem(issues)
    return DualNotification(approval_list)


def _build_credit_subscribers(rule: Rule, context: ResolverContext) -> Resolver:
    _no_options(rule)
    subscription_list: subscriptions.SubscriptionList = context.data(
        subscriptions.FILE_NAME, subscriptions.load_subscriptions
    )
    file = str(context.data_dir / subscriptions.FILE_NAME)
    issues = _unknown_ids(
        file,
        "subscribers",
        [s.system for s in subscription_list.subscribers],
        context.systems,
    )
    if issues:
        raise FileProblem(
            [
                LintIssue(i.code, i.file, None, f"{i.key}.system", i.message)
                for i in issues
            ]
        )
    return CreditSubscribers(subscription_list)


#: Resolver name -> factory. Factories raise ``ResolverOptionError`` or ``FileProblem``.
RESOLVERS: dict[str, Callable[[Rule, ResolverContext], Resolver]] = {
    "field": _build_field,
    "dual_notification": _build_dual_notification,
    "credit_subscribers": _build_credit_subscribers,
}


def build_resolver(rule: Rule, context: ResolverContext) -> Resolver:
    """The resolver for ``rule``: :class:`Static` for ``to:``, else the named one."""
    if rule.to is not None:
        return Static(tuple(rule.to))
    assert rule.resolver is not None  # the model guarantees 'to' xor 'resolver'
    return RESOLVERS[rule.resolver](rule, context)
