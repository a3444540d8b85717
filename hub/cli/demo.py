"""``hub demo``: the README's main job. A hub on the embedded broker with simulated departments."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import click

from hub.cli.common import CliState, exit_codes


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
    and show what arrived in every queue: deliveries, feedback with reasons, quarantine.

    Always uses its own embedded broker (never a configured RabbitMQ, whose queues it would
    read). Exits 0 when every record sent was processed, 1 otherwise.
    """
    from hub.demo import load_traffic, run_demo

    with exit_codes():
        directory = data_dir or Path(tempfile.mkdtemp(prefix="supervision-hub-demo-"))
        settings = state.settings(data_dir=directory)
        settings.broker_url = None
        from hub.app import Hub

        hub = Hub(settings)
        click.echo(f"Embedded broker: {hub.session().safe_url}")
        traffic = load_traffic()
        click.echo(f"Simulated departments send {len(traffic)} files ...\n")
        report = run_demo(hub, traffic, timeout=timeout)
        _print_report(report, hub)
        sys.exit(0 if report.processed == report.sent else 1)


def _print_report(report, hub) -> None:  # type: ignore[no-untyped-def]
    names = {s.id: s.name for s in hub.systems}
    click.secho(f"Processed {report.processed} of {report.sent} records sent.\n", bold=True)
    deliveries = [m for m in report.messages if m.record_type != "feedback" and not m.reasons]
    click.secho("Delivered (queue <- record from source, filed under credit code: why)", bold=True)
    for m in sorted(deliveries, key=lambda m: (m.queue, m.source)):
        click.echo(
            f"  {m.queue:<26} <- {m.record_type:<24} from {m.source:<13} "
            f"{m.credit_code or '-':<18}  {m.detail}"
        )
    click.secho("\nFeedback to sources (queue: status record: reason @ field)", bold=True)
    for m in report.messages:
        if m.record_type == "feedback":
            click.echo(f"  {m.queue:<26} {m.detail} ({names.get(m.source, m.source)})")
            for reason in m.reasons:
                click.echo(
                    f"      {reason.get('code')} @ {reason.get('path') or '(record)'}: "
                    f"{reason.get('message', '')}{_repair_text(reason)}"
                )
    click.secho("\nQuarantine (original body kept, with its reasons)", bold=True)
    for m in report.messages:
        if m.queue == "hub.quarantine":
            codes = ", ".join(r["code"] for r in m.reasons)
            click.echo(f"  {m.record_type or '?':<24} from {m.source or '?':<13} {codes}")


def _repair_text(reason: dict) -> str:  # type: ignore[type-arg]
    if "repaired" in reason:
        return f"{reason['original']!r} -> {reason['repaired']!r}"
    return ""
