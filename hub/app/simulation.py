"""Running the hub against the simulated world (``hub simulate``, and the second part of
``hub demo``): start every simulator, write the connections file and credentials, run the hub's
runtime against them, send one record per exchange mode and report where each arrived."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import click

from adapters.sdk.regular_files import write_private
from adapters.simulators.world import SimulatedWorld
from hub.app.demo import SAMPLES
from hub.assembly import Hub
from hub.config.settings import HubSettings

#: The joint-discipline decision tax sends over AMQP (a file of the demo's samples).
DISCIPLINE_SAMPLE = "tax-discipline.json"

def run_world(
    settings: HubSettings,
    folder: Path,
    *,
    with_hub: bool = True,
    samples: bool = True,
    timeout: float = 60.0,
    keep_running: Callable[[], bool] | None = None,
    after: Callable[[Hub], None] | None = None,
) -> bool:
    """Run the world in ``folder`` on ``settings``' broker; True when every sample arrived
    within ``timeout`` seconds (or none were sent). With ``keep_running``, stay up while it
    returns True. The simulated credentials are exported to this process's environment,
    where the connections file's ``env:`` references find them. ``after`` is called with the
    hub once it has stopped and its journal is written."""
    world = SimulatedWorld(folder, settings.resolved_broker_url())
    certificates = world.use_demo_certificate()
    click.echo(f"Demo certificate: a throwaway CA and certificate for 127.0.0.1, generated in "
               f"{certificates} (never for a real endpoint); the hub's SOAP endpoint for the "
               "city platform serves HTTPS with it.")
    world.start()
    try:
        connections = world.write_connections()
        env_file = folder / "simulators.env"
        # The simulated systems' credentials: readable by this account only.
        write_private(env_file, "".join(f"{k}={v}\n" for k, v in world.environment().items())
                      .encode("utf-8"), fsync=False)
        os.environ.update(world.environment())
        click.echo(f"Simulators running; connections: {connections}; credentials: {env_file}")
        for system, simulator in world.simulators.items():
            click.echo(f"  {system:22} {simulator.connection().get('mode', '')}")
        if not with_hub:
            settled = _traffic(world, samples, timeout)
            while keep_running is not None and keep_running():
                time.sleep(0.5)
            return settled
        hub = Hub(settings.model_copy(update={"connections_file": connections}))
        journal = hub.open_journal()
        writer = hub.journal_writer(journal)
        runtime = hub.runtime(journal, writer)
        runtime.start()
        try:
            if not runtime.wait_ready(60):
                raise click.ClickException("the hub did not start within 60 s")
            settled = _traffic(world, samples, timeout)
            while keep_running is not None and keep_running():
                time.sleep(0.5)
        finally:
            runtime.stop()
            runtime.join(60)
            writer.close()
            journal.close()
        if after is not None:
            after(hub)
        return settled
    finally:
        world.stop()


def _traffic(world: SimulatedWorld, samples: bool, timeout: float) -> bool:
    if not samples:
        return True
    traffic = world.emit_samples(json.loads((SAMPLES / DISCIPLINE_SAMPLE).read_bytes()))
    click.echo(f"Sent {len(traffic.sent)} records, one per exchange mode: "
               + ", ".join(f"{ident} from {source}" for ident, source in traffic.sent.items()))
    deadline = time.monotonic() + timeout
    holding = world.holding(traffic)
    while holding != traffic.expected and time.monotonic() < deadline:
        time.sleep(0.5)
        holding = world.holding(traffic)
    for system, wanted in traffic.expected.items():
        got = holding[system]
        mark = "ok " if got == wanted else "MISSING"
        click.echo(f"  {mark} {system:16} holds {len(got)} of {len(wanted)}: {', '.join(sorted(got))}")
    return holding == traffic.expected
