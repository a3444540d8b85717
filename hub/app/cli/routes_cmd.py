"""``hub routes lint`` and ``hub routes test``: the route files, checked and tried."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from hub.app.cli.shared import CliState, echo_json, exit_codes


@click.group()
def routes() -> None:
    """Check route files, or see where a record would go."""


@routes.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_obj
def lint(state: CliState, files: tuple[Path, ...]) -> None:
    """Lint route FILES (default: the configured or shipped rules). One JSON line per finding;
    exits 1 if there is any."""
    import schemas
    from hub.config.system_catalogue import SystemCatalogue
    from routes import lint as lint_routes

    with exit_codes():
        settings = state.settings()
        systems = SystemCatalogue.load(settings.systems_file)
        paths = list(files) or settings.route_files
        issues = lint_routes(paths, systems=systems.ids, record_types=schemas.RECORD_TYPES)
        for issue in issues:
            echo_json(
                {"code": issue.code, "file": issue.file, "route": issue.route, "key": issue.key,
                 "message": issue.message}
            )
        if not issues:
            echo_json({"ok": True, "message": "route files are clean"})
        sys.exit(1 if issues else 0)


@routes.command("test")
@click.argument("record", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="System id the record would come from.")
@click.option("--type", "record_type", help="Record type; optional for XML whose root names it.")
@click.pass_obj
def test_route(state: CliState, record: Path, source: str, record_type: str | None) -> None:
    """Show where RECORD would go and which rule sent it (after standardisation).

    Prints one JSON document: the validation status, destinations, and each match with its rule
    id and reason. Exits 1 if the record would be rejected instead.
    """
    from hub.app.sender import records_from_file
    from hub.app.trial import trial_route
    from schemas.contract.states import OutcomeStatus

    with exit_codes():
        hub = state.hub()
        results = []
        for item in records_from_file(record):
            kind = record_type or item.record_type
            results.append(trial_route(hub, item, source, kind))
        for result in results:
            echo_json(result)
        sys.exit(0 if all(r["status"] == OutcomeStatus.DELIVERED for r in results) else 1)
