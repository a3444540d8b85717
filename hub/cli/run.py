"""``hub run``: run the pipeline (standardise, route, publish) until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click

from hub.cli.common import CliState, exit_codes

log = logging.getLogger("hub.run")


@click.command()
@click.pass_obj
def run(state: CliState) -> None:
    """Consume hub.inbound and deliver to every destination until stopped.

    SIGTERM or SIGINT finishes the batch in hand (its outputs confirmed, its inputs acked) and
    exits 0. Run several processes for more throughput; they share the inbound queue.
    """
    with exit_codes():
        hub = state.hub()
        worker = hub.worker(on_outcome=_log_outcome)

        def _stop(signum: int, frame: FrameType | None) -> None:
            log.info("%s received: finishing in-flight work", signal.Signals(signum).name)
            worker.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info(
            "hub running on %s (%s queues), %d systems",
            hub.session().safe_url,
            hub.settings.queue_type,
            len(hub.systems),
        )
        worker.run()
        log.info("hub stopped cleanly")


def _log_outcome(outcome: object) -> None:
    from hub.processor import Outcome

    assert isinstance(outcome, Outcome)
    if outcome.status == "delivered":
        log.info(
            "%s %s from %s -> %s",
            outcome.message_id, outcome.record_type, outcome.source, ", ".join(outcome.destinations),
        )
    else:
        log.warning(
            "%s %s from %s %s: %s",
            outcome.message_id, outcome.record_type, outcome.source, outcome.status,
            ", ".join(p.code for p in outcome.problems),
        )
