"""``hub report``: the reconciliation report of one day, per department, from the journal.

Exit codes: 0 the report was written; 2 usage or configuration error (a bad ``--date`` or
``--tz`` included); 3 the journal database cannot be reached.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from hub.app.cli.shared import CliState, exit_codes

if TYPE_CHECKING:
    from hub.assembly import Hub

DEFAULT_TIME_ZONE = "Asia/Shanghai"  # monitor.report.DEFAULT_TIME_ZONE; --help imports nothing


def _time_zone(ctx: click.Context, param: click.Parameter, value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise click.BadParameter(f"{value!r} is not an IANA time zone (e.g. Asia/Shanghai)") from e


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from e


@click.command("report")
@click.option("--date", "day", callback=_day, metavar="YYYY-MM-DD",
              help="The calendar day to report, in --tz. Default: today there.")
@click.option("--tz", "time_zone", default=DEFAULT_TIME_ZONE, show_default=True,
              callback=_time_zone, help="The time zone whose calendar day is meant.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="table for people; csv and json for programs.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the report to this file (UTF-8) instead of standard output.")
@click.pass_obj
def report(
    state: CliState, day: date | None, time_zone: ZoneInfo, fmt: str, output: Path | None
) -> None:
    """Reconcile one day per department: received = delivered + rejected + dead-lettered + in
    flight, the feedback rate and the median and p99 delay.

    \b
    - A message belongs to the day the hub received it, in --tz.
    - Its state is judged now, exactly one of: rejected (quarantined by the worker or the
      review verifier); dead-lettered (at a destination, or handed over to people by the
      review verifier); delivered (every destination it was routed to has it: "delivered" or
      "duplicate" at a destination with an outbound adapter, "routed" at a queue-only one; a
      valid message routed nowhere counts as delivered); in flight (anything else: in review,
      retrying, not yet delivered).
    - The latest step per destination wins: a dead letter retried or replayed, then
      delivered, counts as delivered. Replay copies count with their original, not on the day
      they were received (the replay_copies column).
    - Feedback rate: share of received messages the source got feedback about.
    - Delay: seconds from receipt to "delivered" (to "routed" for queue-only destinations),
      duplicates not timed; median and p99 by nearest rank.
    - A second section shows, per destination, the copies routed to it and their states.
    """
    from hub.journal import JournalUnavailable
    from monitor.report import reconcile_journal

    with exit_codes():
        hub = state.hub()
        names = {system.id: system.name for system in hub.systems}
        try:
            result = reconcile_journal(hub.settings.resolved_journal_url(),
                                       day or datetime.now(time_zone).date(), time_zone,
                                       delivered_by_hub=set(hub.deliveries))
        except JournalUnavailable as e:
            click.echo(f"journal unavailable: {e}", err=True)
            sys.exit(3)
    from monitor.report_format import RENDERERS

    text = RENDERERS[fmt](result, names)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


def show_todays_report(hub: Hub) -> None:
    """Print what ``hub report`` says of today (Shanghai time) in ``hub``'s journal."""
    from monitor.report import DEFAULT_TIME_ZONE, reconcile_journal
    from monitor.report_format import render_table

    zone = ZoneInfo(DEFAULT_TIME_ZONE)
    result = reconcile_journal(hub.settings.resolved_journal_url(), datetime.now(zone).date(),
                               zone, delivered_by_hub=set(hub.deliveries))
    click.secho("\nWhat `hub report` shows an operator, from the journal:", bold=True)
    click.echo(render_table(result, {system.id: system.name for system in hub.systems}), nl=False)
