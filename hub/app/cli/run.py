"""``hub run``: run the pipeline (standardise, route, publish) until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
from types import FrameType

import click

from hub.app.cli.shared import CliState, exit_codes

log = logging.getLogger("hub.run")


@click.command()
@click.pass_obj
def run(state: CliState) -> None:
    """Run the pipeline and the deliveries until stopped.

    Consumes hub.inbound, runs the adapters of the connections file (taking records in, and
    delivering to the systems that have an outbound adapter), journals every hop and serves
    /metrics, /healthz and /readyz (HUB_METRICS_PORT, 9464; 0 for none). SIGTERM or SIGINT
    finishes the work in hand (outputs confirmed, inputs acked, journal flushed) and exits 0.
    Run several processes for more throughput; they share the queues, and the one holding the
    metrics port shows the metrics of all of them (they share HUB_METRICS_DIR).
    """
    from sqlalchemy import make_url

    from monitor.process import use_directory

    with exit_codes():
        hub = state.hub()
        # Before prometheus-client is first imported (by monitor.service, below).
        use_directory(hub.settings.resolved_metrics_dir())
        from monitor.service import Monitoring

        journal = hub.open_journal()
        writer = hub.journal_writer(journal)
        monitoring = Monitoring(hub, journal, writer)
        runtime = hub.runtime(journal, writer, on_outcome=_log_outcome,
                              observers=[monitoring.hooks])
        monitoring.attach(runtime)

        def _stop(signum: int, frame: FrameType | None) -> None:
            log.info("%s received: finishing in-flight work", signal.Signals(signum).name)
            runtime.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info(
            "hub running on %s (%s queues), %d systems, delivering to %s; journal %s",
            hub.session().safe_url,
            hub.settings.queue_type,
            len(hub.systems),
            ", ".join(hub.deliveries) or "no destination (all read their queues)",
            make_url(hub.settings.resolved_journal_url()).render_as_string(hide_password=True),
        )
        runtime.start()
        try:
            runtime.join()
        finally:
            monitoring.close()
            writer.close()
            journal.close()
        log.info("hub stopped cleanly")


def _log_outcome(outcome: object) -> None:
    from hub.pipeline.processor import Outcome
    from schemas.contract.states import OutcomeStatus

    assert isinstance(outcome, Outcome)
    if outcome.status == OutcomeStatus.DELIVERED:
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
