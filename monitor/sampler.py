"""The gauges a hub process samples: broker connection, systems' health, journal lag.

:class:`Sampler` is a loop of the hub runtime (see :class:`hub.runtime.loops.Loop`): every
``interval`` seconds it asks the worker whether it is connected, each adapter whether its
system is reachable, and the journal writer how far behind it is and how many records the
database refused, and sets the gauges (and that counter). A probe
that raises counts as down. At start it also publishes each source's expected cadence and, from
the journal, when each source last sent (so freshness survives a restart of every process).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SystemProbe:
    """How to tell whether one external system is reachable through one adapter."""

    system: str
    direction: str
    reachable: Callable[[], bool]


class JournalLag(Protocol):
    """What the sampler reads of the journal writer (:class:`hub.journal.JournalWriter`)."""

    def pending(self) -> int: ...

    def lag_seconds(self) -> float: ...

    def rejected(self) -> int: ...


class Sampler:
    """Sets the sampled gauges until stopped; ``ready`` once the first sample is taken."""

    def __init__(
        self,
        *,
        broker_connected: Callable[[], bool],
        probes: Sequence[SystemProbe],
        journal: JournalLag,
        cadences: Mapping[str, int],
        last_received: Mapping[str, datetime],
        interval: float = 5.0,
    ) -> None:
        self.ready = threading.Event()
        self._broker_connected = broker_connected
        self._probes = tuple(probes)
        self._journal = journal
        self._cadences = dict(cadences)
        self._last_received = dict(last_received)
        self._interval = interval
        self._stopping = threading.Event()
        self._rejected = 0  # the writer's count at the last sample

    def run(self) -> None:
        for source, seconds in self._cadences.items():
            metrics.SOURCE_EXPECTED_INTERVAL.labels(source).set(seconds)
        for source, moment in self._last_received.items():
            metrics.SOURCE_LAST_RECEIVED.labels(source).set(moment.timestamp())
        while True:
            self.sample()
            self.ready.set()
            if self._stopping.wait(self._interval):
                break
        metrics.BROKER_UP.set(0)

    def stop(self) -> None:
        self._stopping.set()

    def sample(self) -> None:
        """Take one sample of every gauge."""
        metrics.BROKER_UP.set(1 if self._broker_connected() else 0)
        for probe in self._probes:
            metrics.SYSTEM_UP.labels(probe.system, probe.direction).set(
                1 if reachable(probe) else 0
            )
        metrics.JOURNAL_PENDING.set(self._journal.pending())
        metrics.JOURNAL_LAG.set(self._journal.lag_seconds())
        # The writer counts since it started; the counter takes what is new since last time.
        rejected = self._journal.rejected()
        if rejected > self._rejected:
            metrics.JOURNAL_REJECTED.inc(rejected - self._rejected)
        self._rejected = rejected


def reachable(probe: SystemProbe) -> bool:
    """The probe's answer; False when it raises."""
    try:
        return probe.reachable()
    except Exception as e:  # noqa: BLE001 - a failing health check means "not reachable"
        log.debug("health of %s (%s) failed: %s", probe.system, probe.direction, e)
        return False
