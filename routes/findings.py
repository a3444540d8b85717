"""Configuration findings for route files and the error that stops start-up.

Every finding, whether it stops :meth:`routes.table.RouteTable.load` or is only reported by
:func:`routes.lint.lint`, is a :class:`LintIssue`: a stable code, the file, the route id and the
key inside the route, so an operator can go straight to the line to fix.

Codes (stable; ``config.*`` stop loading, ``lint.*`` are reported by lint only):

- ``config.file``: a route or data file cannot be read (or no route files were found).
- ``config.yaml``: a file is not valid YAML or not a mapping at the top level.
- ``config.invalid``: a key is missing, unknown or of the wrong type (the pydantic models).
- ``config.duplicate_id``: two routes share an id (ids are unique across all files).
- ``config.unknown_record_type``: a route matches a record type the hub does not know.
- ``config.unknown_source``: a route matches a source that is not a known system.
- ``config.unknown_destination``: a static destination is neither a known system nor ``claim``.
- ``config.unknown_resolver``: a route names a resolver that does not exist.
- ``config.resolver``: a resolver's options are wrong (e.g. ``field`` missing).
- ``config.data``: a data file a resolver needs is wrong (e.g. an unknown department id).
- ``lint.example_failed``: an example does not route as its file declares.
- ``lint.never_matches``: a route can never produce a destination.
- ``lint.matches_feedback``: a route matches feedback, which rules never route.
- ``lint.no_example``: no example anywhere shows the route producing a destination.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.contract.errors import ConfigError


@dataclass(frozen=True)
class LintIssue:
    """One finding about the route configuration.

    ``route`` is the route id (or ``None`` when the finding is about the file or an example);
    ``key`` is the dotted key inside the route or file, e.g. ``match.fields.event.equals``.
    """

    code: str
    file: str
    route: str | None
    key: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.route is not None:
            where += f": route {self.route!r}"
        if self.key:
            where += f": key {self.key}"
        return f"{where}: {self.message} [{self.code}]"


class RouteConfigError(ConfigError):
    """The route files (or the data files their resolvers use) are wrong; start-up stops.

    ``issues`` holds every ``config.*`` finding, not just the first, so one run shows them all.
    """

    def __init__(self, issues: Sequence[LintIssue]) -> None:
        self.issues: tuple[LintIssue, ...] = tuple(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(
            f"route configuration is invalid ({len(self.issues)} problem(s)):\n{lines}"
        )
