"""Journal retention: purges entries and delivery keys older than the configured number of days.

Runs inside ``hub run`` as one more loop of the runtime. Purging is idempotent and batched by
the journal, so several hub processes purging at once only repeat each other's work.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from hub.journal import Journal, JournalUnavailable
from schemas.contract.envelope import utc_now

log = logging.getLogger(__name__)


class RetentionLoop:
    """Every ``interval`` seconds, purge what is older than ``days`` days."""

    def __init__(self, journal: Journal, days: int, *, interval: float = 3600.0) -> None:
        self.journal = journal
        self.days = days
        self.interval = interval
        self.ready = threading.Event()
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        self.ready.set()
        while not self._stop.is_set():
            self.purge_once()
            self._stop.wait(self.interval)

    def purge_once(self) -> int:
        """Purge now; returns how many messages went. A journal that is away is tried later."""
        cutoff = utc_now() - timedelta(days=self.days)
        try:
            removed = self.journal.purge(cutoff)
        except JournalUnavailable as e:
            log.warning("journal retention postponed: %s", e)
            return 0
        if removed:
            log.info("journal retention: %d messages older than %s removed", removed, cutoff)
        return removed
