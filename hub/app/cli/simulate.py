"""``hub simulate``: every simulated external system, and the hub connected to them."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

import click

from hub.app.cli.shared import CliState, exit_codes

log = logging.getLogger("hub.simulate")


@click.command()
@click.option("--folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where the simulators keep their files (default: <data dir>/simulated).")
@click.option("--hub/--no-hub", "with_hub", default=True,
              help="Also run the hub against them (default), or only the simulators.")
@click.option("--samples/--no-samples", default=True,
              help="Send one record from a department in each exchange mode at start.")
@click.option("--once", is_flag=True,
              help="Exit when the sample records have arrived everywhere (exit 1 if they do "
              "not within --timeout), instead of running until SIGTERM or SIGINT.")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for the sample records to arrive.")
@click.pass_obj
def simulate(state: CliState, folder: Path | None, with_hub: bool, samples: bool, once: bool,
             timeout: float) -> None:
    """Run the city platform, legal-entity library, credit platform, service hall and five
    departments (one per exchange mode: db, file, rest, soap, amqp) as real servers, databases
    and folders on loopback, with the hub connected to them through its adapters.

    Writes the connections file and the simulated credentials into the folder, so that
    ``hub run`` can be pointed at the simulators instead (--no-hub).
    """
    from hub.app.cli.report_cmd import show_todays_report
    from hub.app.simulation import run_world

    stopped = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopped
        log.info("%s received: stopping", signal.Signals(signum).name)
        stopped = True

    with exit_codes():
        settings = state.settings()
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        settled = run_world(
            settings, folder or settings.data_dir / "simulated", with_hub=with_hub,
            samples=samples, timeout=timeout, keep_running=None if once else lambda: not stopped,
            after=show_todays_report,
        )
        if once and not settled:
            raise SystemExit(1)
