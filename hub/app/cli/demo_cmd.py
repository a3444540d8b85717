"""``hub demo``: the README's main job. A hub on the embedded broker with simulated departments."""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from hub.app.cli.shared import CliState, exit_codes

if TYPE_CHECKING:
    from hub.app.demo import DemoReport
    from hub.assembly import Hub
    from hub.config.settings import HubSettings


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the embedded broker keeps its file (default: a new temporary directory).",
)
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the traffic.")
@click.pass_obj
def demo(state: CliState, data_dir: Path | None, timeout: float) -> None:
    """Start the hub on the embedded broker, send sample traffic from simulated departments,
    and show what arrived in every queue: deliveries, feedback with reasons, quarantine. Then
    connect it to simulated systems in every exchange mode and show a record from each arrive.
    Last, ask the information service about one entity through its REST, SOAP and AMQP doors.

    Always uses its own embedded broker (never a configured RabbitMQ, whose queues it would
    read). Exits 0 when every record sent was processed and arrived and every door answered
    alike, 1 otherwise.
    """
    from hub.app.cli.report_cmd import show_todays_report
    from hub.app.demo import load_traffic, run_demo
    from hub.app.simulation import run_world
    from hub.assembly import Hub

    with exit_codes():
        directory = data_dir or Path(tempfile.mkdtemp(prefix="supervision-hub-demo-"))
        settings = state.settings(data_dir=directory)
        settings.broker_url = None
        hub = Hub(settings)
        traffic = load_traffic()
        click.echo(f"Embedded broker: {hub.session().safe_url}")
        _make_keys(settings.resolved_keyring())
        click.echo(f"Simulated departments send {len(traffic)} files:")
        for item in traffic:
            click.echo(f"  {item.source:<21} {item.file:<38} {item.note}")
        report = run_demo(hub, traffic, timeout=timeout)
        _print_report(report)
        _heading("Then the adapters: the hub meets simulated systems in each exchange mode "
                 "(SOAP, HTTP, a front-end database, a file folder, AMQP)")
        adapters_ok = run_world(settings, directory / "simulated", timeout=timeout,
                                after=show_todays_report)
        doors_ok = _ask_every_door(hub, directory)
        _show_evidence(settings)
        sys.exit(0 if report.processed == report.sent and adapters_ok and doors_ok else 1)


#: The sections of a profile the demo counts, as it names them.
_SECTIONS = {"registration": "registration events", "licences_in_force": "licences in force",
             "penalties": "penalties", "inspections": "inspections",
             "measures_in_force": "measures in force", "alerts": "alerts",
             "credit_records": "credit records"}


def _ask_every_door(hub: Hub, directory: Path) -> bool:
    """The information service's three doors asked about one entity; True when each answered
    and the answers are the same profile."""
    from hub.app.demo_doors import ask_every_door, busiest_entity

    code = busiest_entity(hub)
    _heading("Last, the information service: the service hall asks about an entity through "
             "each door (REST, SOAP, AMQP):")
    if code is None:
        click.echo("  the supervision database holds no record to ask about")
        return False
    answers = ask_every_door(hub, directory, code)
    for answer in answers:
        click.echo(f"  {answer.door:<5} {answer.how}")
        if answer.profile is None:
            click.echo(f"        FAILED: {answer.error}")
            continue
        counts = ", ".join(f"{len(answer.profile[key])} {label}"
                           for key, label in _SECTIONS.items() if answer.profile[key])
        click.echo(f"        {answer.profile['credit_code']} {answer.profile.get('name') or ''}: "
                   f"{counts or 'nothing in force'}")
    profiles = [answer.profile for answer in answers]
    same = all(profile is not None for profile in profiles) and all(
        profile == profiles[0] for profile in profiles)
    click.echo("  the three doors gave the same answer; each question is in the audit trail "
               "(hub audit)" if same else "  the doors' answers differ")
    return same


def _make_keys(keyring: Path) -> None:
    """The demo's own keys, made here and said so: production manages its keys (hub keys)."""
    from hub.crypto.key_files import ensure_keyring

    made = ensure_keyring(keyring, keyring.parent)
    if made:
        click.echo(f"Keys: the demo made its own keyring, {keyring} (SM4 data key, HMAC-SM3 "
                   f"digest key, SM2 signing key: {', '.join(e.id for e in made)}); "
                   "production manages its keys with hub keys.")


def _show_evidence(settings: HubSettings) -> None:
    """What hub verify-log says of the demo's journal."""
    from hub.crypto.keyring import load_keyring
    from hub.journal import Journal

    keyring = load_keyring(settings.resolved_keyring(), secrets=False)
    journal = Journal.open(settings.resolved_journal_url())
    try:
        reports = journal.verify(keyring.verifying_key)
    finally:
        journal.close()
    _heading("The journal as evidence (hub verify-log): personal data sealed with SM4, rows "
             "chained with SM3, checkpoints signed with SM2:")
    for report in reports:
        state = "whole" if report.ok else f"BROKEN: {report.broken.detail if report.broken else ''}"
        click.echo(f"  {report.chain:<9} {report.links:>4} links, signed through link "
                   f"{report.signed_through}: {state}")


def _heading(text: str) -> None:
    click.secho(f"\n{text}", bold=True)


def _print_report(report: DemoReport) -> None:
    # Imported late, like the rest of the CLI: `hub --help` loads no part of the standard.
    from schemas.contract.states import OutcomeStatus

    _heading(f"The pipeline processed {report.processed} of {report.sent} records sent:")
    for outcome in report.outcomes:
        click.echo(
            f"  {outcome.source:<21} {outcome.record_type:<24} {outcome.status:<9} "
            f"{outcome.credit_code or ''}"
        )
        for match in outcome.matches:
            click.echo(f"      -> {match.destination:<16} rule {match.rule}: {match.why}")
        for problem in outcome.problems:
            click.echo(f"      !  {problem.code} @ {problem.path or '(record)'}")

    _heading("Read back from the broker, queue by queue:")
    per_queue = Counter((m.queue, m.record_type) for m in report.messages)
    for (queue, record_type), count in sorted(per_queue.items()):
        click.echo(f"  {queue:<24} {count:>3} x {record_type}")

    _heading("Feedback each source received (in hub.out.<source>):")
    for m in report.messages:
        if m.record_type == "feedback":
            click.echo(f"  {m.queue:<24} {m.detail}")
            for reason in m.reasons:
                click.echo(f"      {reason.get('code')} @ {reason.get('path') or '(record)'}: "
                           f"{_reason_text(reason)}")

    _heading("Quarantine (original body kept, with its reasons):")
    for m in report.messages:
        if m.queue == "hub.quarantine":
            codes = ", ".join(sorted({r["code"] for r in m.reasons}))
            click.echo(f"  {m.source or '?':<21} {m.record_type or '?':<24} {codes}")

    _heading("People's ID numbers, as each destination received them (masked here):")
    for m in report.messages:
        if m.id_numbers:
            form = "whole" if m.received_whole else "masked as published (双公示)"
            click.echo(f"  {m.queue:<24} {m.record_type:<24} {form}: {', '.join(m.id_numbers)}")

    _heading("Per source (delivered / review / rejected):")
    for source, counts in sorted(report.tally.by_source().items()):
        click.echo(
            f"  {source:<21} {counts.get(OutcomeStatus.DELIVERED, 0)} / "
            f"{counts.get(OutcomeStatus.REVIEW, 0)} / {counts.get(OutcomeStatus.REJECTED, 0)}"
        )


def _reason_text(reason: dict[str, Any]) -> str:
    if "repaired" in reason:
        return f"{reason['original']!r} -> {reason['repaired']!r}"
    return str(reason.get("message", ""))
