"""``hub check``: is the configuration valid and the broker reachable?"""

from __future__ import annotations

import click

from hub.app.cli.shared import CliState, echo_json, exit_codes


@click.command()
@click.pass_obj
def check(state: CliState) -> None:
    """Load the configuration, systems catalogue, routes, mappings and connections (every
    adapter's options and lookups checked; secrets are not read), then connect to the broker
    and declare the topology. Prints one JSON report; exits 0 when all is well, 2 on a
    configuration error, 3 when the broker cannot be reached."""
    with exit_codes():
        hub = state.hub()
        session = hub.session()
        report = {
            "config": "ok",
            "systems": len(hub.systems),
            "routes": len(hub.routes.rule_ids),
            "connections": len(hub.connections),
            "broker": session.safe_url,
            "embedded": hub.settings.is_embedded(),
            "queue_type": hub.settings.queue_type,
        }
        with session:
            report["queues_declared"] = len(hub.topology.queues)
            report["inbound_depth"] = session.queue_depth(hub.topology.inbound_queue.name)
        report["broker_status"] = "ok"
        echo_json(report)
