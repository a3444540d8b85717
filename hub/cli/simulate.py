"""``hub simulate``: every simulated external system, and the hub connected to them."""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from hub.cli.common import CliState, exit_codes

if TYPE_CHECKING:
    from adapters.simulators.world import SimulatedWorld

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
              help="Seconds to wait for the sample records with --once.")
@click.pass_obj
def simulate(state: CliState, folder: Path | None, with_hub: bool, samples: bool, once: bool,
             timeout: float) -> None:
    """Run the city platform, legal-entity library, credit platform, service hall and five
    departments (one per exchange mode: db, file, rest, soap, amqp) as real servers, databases
    and folders on loopback, with the hub connected to them through its adapters.

    Writes the connections file and the simulated credentials into the folder, so that
    ``hub run`` can be pointed at the simulators instead (--no-hub).
    """
    from adapters.simulators.world import SimulatedWorld
    from hub.journal import JournalWriter

    with exit_codes():
        settings = state.settings()
        folder = folder or settings.data_dir / "simulated"
        world = SimulatedWorld(folder, settings.resolved_broker_url())
        world.start()
        try:
            connections = world.write_connections()
            env_file = folder / "simulators.env"
            env_file.write_text("".join(f"{k}={v}\n" for k, v in world.environment().items()),
                                encoding="utf-8")
            os.environ.update(world.environment())
            click.echo(f"simulators running; connections: {connections}; credentials: {env_file}")
            for system, simulator in world.simulators.items():
                click.echo(f"  {system:22} {simulator.connection().get('mode', '')}")
            hub = state.hub(connections_file=connections) if with_hub else None
            journal = hub.open_journal() if hub else None
            writer = JournalWriter(journal) if journal else None
            runtime = hub.runtime(journal, writer) if hub and journal and writer else None
            stop = _on_signal()
            if runtime is not None:
                runtime.start()
                if not runtime.wait_ready(60):
                    raise click.ClickException("the hub did not start within 60 s")
            try:
                settled = _traffic(world, samples, timeout if once else None)
                if not once:
                    while not stop():
                        time.sleep(0.5)
            finally:
                if runtime is not None:
                    runtime.stop()
                    runtime.join(60)
                if writer is not None:
                    writer.close()
                if journal is not None:
                    journal.close()
        finally:
            world.stop()
        if once and not settled:
            raise SystemExit(1)


def _traffic(world: SimulatedWorld, samples: bool, timeout: float | None) -> bool:
    """Send the samples and report where they arrived; True when all did within ``timeout``."""
    if not samples:
        return True
    traffic = world.emit_samples()
    click.echo(f"sent {len(traffic.sent)} records: "
               + ", ".join(f"{ident} from {source}" for ident, source in traffic.sent.items()))
    deadline = time.monotonic() + (timeout if timeout is not None else 60.0)
    holding = world.holding(traffic)
    while holding != traffic.expected and time.monotonic() < deadline:
        time.sleep(0.5)
        holding = world.holding(traffic)
    for system, wanted in traffic.expected.items():
        got = holding[system]
        mark = "ok " if got == wanted else "MISSING"
        click.echo(f"  {mark} {system:16} holds {len(got)} of {len(wanted)}: {', '.join(sorted(got))}")
    return holding == traffic.expected


def _on_signal() -> Callable[[], bool]:
    """Install SIGTERM/SIGINT handlers; returns a callable telling whether one arrived."""
    stopped = False

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal stopped
        log.info("%s received: stopping", signal.Signals(signum).name)
        stopped = True

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return lambda: stopped
