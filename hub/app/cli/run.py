"""``hub run``: run the pipeline (standardise, route, publish) until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from hub.app.cli.shared import CliState, exit_codes

if TYPE_CHECKING:
    from hub.config.settings import HubSettings

log = logging.getLogger("hub.run")


@click.command()
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              envvar="HUB_WORKERS",
              help="Pipeline processes (RabbitMQ only): this one runs everything, the others "
                   "the pipeline alone, sharing the journal and the metrics directory.")
@click.option("--pipeline-only", is_flag=True, hidden=True,
              help="Run the pipeline worker alone (the extra processes of --workers).")
@click.pass_obj
def run(state: CliState, workers: int, pipeline_only: bool) -> None:
    """Run the pipeline and the deliveries until stopped.

    Consumes hub.inbound, runs the adapters of the connections file (taking records in, and
    delivering to the systems that have an outbound adapter), journals every hop and serves
    /metrics, /healthz and /readyz (HUB_METRICS_PORT, 9464; 0 for none). SIGTERM or SIGINT
    finishes the work in hand (outputs confirmed, inputs acked, journal flushed) and exits 0.
    --workers N starts N-1 more pipeline processes beside this one and stops them with it;
    the metrics port shows the metrics of all of them (they share HUB_METRICS_DIR).
    """
    from sqlalchemy import make_url

    from monitor.process import use_directory
    from schemas.contract.errors import ConfigError

    with exit_codes():
        hub = state.hub()
        if workers > 1 and hub.settings.is_embedded():
            raise ConfigError("--workers above 1 needs RabbitMQ (HUB_BROKER_URL): the embedded "
                              "broker serves one process")
        # Before prometheus-client is first imported (by monitor.service, below).
        use_directory(hub.settings.resolved_metrics_dir())
        from monitor.service import Monitoring

        journal = hub.open_journal()
        writer = hub.journal_writer(journal)
        monitoring = Monitoring(hub, journal, writer)
        runtime = hub.runtime(journal, writer, on_outcome=_OutcomeLog(),
                              observers=[monitoring.hooks], pipeline_only=pipeline_only)
        monitoring.attach(runtime)
        helpers = _Helpers(state, hub.settings, workers - 1, on_lost=runtime.stop)

        def _stop(signum: int, frame: FrameType | None) -> None:
            log.info("%s received: finishing in-flight work", signal.Signals(signum).name)
            helpers.stop()
            runtime.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        log.info(
            "hub %s on %s (%s queues), %d systems, delivering to %s; journal %s",
            "pipeline process running" if pipeline_only else "running",
            hub.session().safe_url,
            hub.settings.queue_type,
            len(hub.systems),
            ", ".join(hub.deliveries) or "no destination (all read their queues)",
            make_url(hub.settings.resolved_journal_url()).render_as_string(hide_password=True),
        )
        runtime.start()
        helpers.start()
        try:
            runtime.join()
        finally:
            helpers.stop()
            failed = helpers.join()
            monitoring.close()
            writer.close()
            journal.close()
        if failed:
            log.error("a pipeline process ended unexpectedly: %s", failed)
            sys.exit(1)
        log.info("hub stopped cleanly")


class _Helpers:
    """The extra pipeline processes of ``--workers``: started with this one's configuration,
    sent SIGTERM when it stops; one that ends on its own stops the whole hub (``on_lost``), as
    a dying loop does, rather than leaving it running short-handed without a word."""

    def __init__(self, state: CliState, settings: HubSettings, count: int,
                 on_lost: Callable[[], None]) -> None:
        self._command = [sys.executable, "-m", "hub.app.cli"]
        if state.config_file is not None:
            self._command += ["--config", str(Path(state.config_file).resolve())]
        if state.broker_url is not None:
            self._command += ["--broker-url", state.broker_url]
        self._command += ["run", "--pipeline-only"]
        # Same keyring and metrics directory as this process; only it serves the port.
        self._env = {**os.environ, "HUB_METRICS_PORT": "0", "HUB_WORKERS": "1",
                     "HUB_METRICS_DIR": str(settings.resolved_metrics_dir()),
                     "HUB_KEYRING": str(settings.resolved_keyring())}
        self._count = count
        self._first_node = settings.broker_first_node
        self._on_lost = on_lost
        self._stopping = threading.Event()
        self._processes: list[subprocess.Popen[bytes]] = []
        self._watchers: list[threading.Thread] = []
        self._failures: list[str] = []

    def start(self) -> None:
        for index in range(1, self._count + 1):
            # Each process starts at the next node of a cluster's URL list.
            env = {**self._env, "HUB_BROKER_FIRST_NODE": str(self._first_node + index)}
            process = subprocess.Popen(self._command, env=env)
            self._processes.append(process)
            watcher = threading.Thread(target=self._watch, args=(process,), daemon=True)
            watcher.start()
            self._watchers.append(watcher)
        if self._processes:
            log.info("started %d more pipeline processes: %s", len(self._processes),
                     ", ".join(str(p.pid) for p in self._processes))

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        code = process.wait()
        if not self._stopping.is_set() or code != 0:
            self._failures.append(f"pid {process.pid} exited with {code}")
            self._on_lost()

    def stop(self) -> None:
        """Send SIGTERM, once, to every helper still running (safe from a signal handler)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        for process in self._processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    def join(self) -> str:
        """Wait for the helpers to end; what went wrong with them, or ''."""
        for watcher in self._watchers:
            watcher.join()
        return "; ".join(self._failures)


class _OutcomeLog:
    """What ``hub run`` logs of each input: a refused or held one at WARNING with its reasons;
    a delivered one at DEBUG only (``hub -v run``: at full speed, a line per record costs the
    pipeline about 5% of its CPU and floods the log, and the journal keeps every input
    anyway); and every ``every`` seconds an INFO tally of the inputs since the last one."""

    def __init__(self, every: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._every = every
        self._clock = clock
        self._since = clock()
        self._tally: dict[str, int] = {}

    def __call__(self, outcome: object) -> None:
        from hub.pipeline.processor import Outcome
        from schemas.contract.states import OutcomeStatus

        assert isinstance(outcome, Outcome)
        status = str(outcome.status)
        self._tally[status] = self._tally.get(status, 0) + 1
        if outcome.status == OutcomeStatus.DELIVERED:
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s %s from %s -> %s", outcome.message_id, outcome.record_type,
                          outcome.source, ", ".join(outcome.destinations))
        else:
            log.warning(
                "%s %s from %s %s: %s",
                outcome.message_id, outcome.record_type, outcome.source, outcome.status,
                ", ".join(p.code for p in outcome.problems),
            )
        now = self._clock()
        if now - self._since >= self._every:
            log.info("%d inputs in the last %.0f s: %s", sum(self._tally.values()),
                     now - self._since, ", ".join(f"{n} {s}" for s, n in sorted(self._tally.items())))
            self._since, self._tally = now, {}
