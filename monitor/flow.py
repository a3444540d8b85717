"""A tally of pipeline outcomes per source: how many records were delivered, held or rejected.

Fed by the worker's ``on_outcome`` hook (one call per input, after its outputs are published);
safe to call from the worker thread while another thread reads it. The Prometheus metrics
(:mod:`monitor.hooks`) count the same events under fixed names.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Protocol

from schemas.contract.states import OutcomeStatus


class _OutcomeLike(Protocol):
    @property
    def status(self) -> OutcomeStatus: ...
    @property
    def source(self) -> str: ...


class FlowTally:
    """Counts outcomes by source and status (delivered, review, rejected)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: defaultdict[str, Counter[OutcomeStatus]] = defaultdict(Counter)

    def __call__(self, outcome: _OutcomeLike) -> None:
        with self._lock:
            self._counts[outcome.source][outcome.status] += 1

    def by_source(self) -> dict[str, dict[OutcomeStatus, int]]:
        """A snapshot: source -> status -> count."""
        with self._lock:
            return {source: dict(counts) for source, counts in self._counts.items()}

    def rejection_rate(self, source: str) -> float:
        """Share of a source's inputs that were rejected (0.0 when it sent nothing)."""
        with self._lock:
            counts = self._counts.get(source, Counter[OutcomeStatus]())
            total = sum(counts.values())
            return counts[OutcomeStatus.REJECTED] / total if total else 0.0
