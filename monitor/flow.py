"""A tally of pipeline outcomes: which source sent what, and where it went.

Fed by the worker's ``on_outcome`` hook (one call per input, after its outputs are published);
safe to call from the worker thread while another thread reads a snapshot.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Protocol


class _OutcomeLike(Protocol):
    status: str
    source: str
    record_type: str
    destinations: tuple[str, ...]
    problems: tuple


@dataclass(frozen=True)
class FlowKey:
    source: str
    record_type: str
    status: str
    destination: str


class FlowTally:
    """Counts of (source, record type, status, destination); rejections by reason code."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flows: Counter[FlowKey] = Counter()
        self._reasons: Counter[str] = Counter()
        self._inputs = 0

    def __call__(self, outcome: _OutcomeLike) -> None:
        destinations = outcome.destinations or ("quarantine",)
        with self._lock:
            self._inputs += 1
            for destination in destinations:
                key = FlowKey(outcome.source, outcome.record_type, outcome.status, destination)
                self._flows[key] += 1
            if outcome.status != "delivered":
                self._reasons.update(p.code for p in outcome.problems)

    @property
    def inputs(self) -> int:
        with self._lock:
            return self._inputs

    def flows(self) -> list[tuple[FlowKey, int]]:
        """Every flow with its count, sorted by source, record type and destination."""
        with self._lock:
            items = list(self._flows.items())
        return sorted(items, key=lambda kv: (kv[0].source, kv[0].record_type, kv[0].destination))

    def reasons(self) -> list[tuple[str, int]]:
        with self._lock:
            return self._reasons.most_common()
