"""Every loop of ``hub run`` (worker, delivery runners, adapters) for the length of a test."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hub.assembly import Hub
from hub.journal import JournalWriter


@contextmanager
def running_runtime(hub: Hub) -> Iterator[None]:
    """Start ``hub``'s whole runtime on a journal of its own; ready (every loop running) on
    entry, stopped, joined and closed on exit."""
    journal = hub.open_journal()
    writer = JournalWriter(journal)
    runtime = hub.runtime(journal, writer)
    runtime.start()
    try:
        assert runtime.wait_ready(60), "every loop of the hub is running"
        yield
    finally:
        runtime.stop()
        runtime.join(60)
        writer.close()
        journal.close()
