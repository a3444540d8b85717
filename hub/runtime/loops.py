"""Everything ``hub run`` runs, each loop in its own thread.

- the pipeline worker (``hub.inbound`` -> destinations),
- one delivery runner per destination in the deliveries file, each on its own connection, so a
  destination that is down holds up nobody else,
- on embedded brokers only, the delay pump (RabbitMQ delays messages itself),
- journal retention.

If any loop dies of an unexpected error, the others are stopped and :meth:`HubRuntime.join`
re-raises it: a half-running hub is worse than a stopped one that says why.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger(__name__)


class Loop(Protocol):
    """What the runtime runs: a blocking ``run``, a ``stop`` request, a ``ready`` event."""

    ready: threading.Event

    def run(self) -> None: ...

    def stop(self) -> None: ...


class HubRuntime:
    """Runs a set of consumer loops until stopped or until one of them fails."""

    def __init__(self, loops: dict[str, Loop]) -> None:
        self.loops = loops
        self._threads: dict[str, threading.Thread] = {}
        self._errors: dict[str, BaseException] = {}

    def start(self) -> None:
        for name, loop in self.loops.items():
            thread = threading.Thread(target=self._run, args=(name, loop), name=name, daemon=True)
            self._threads[name] = thread
            thread.start()

    def stop(self) -> None:
        """Ask every loop to finish what it holds (safe from a signal handler)."""
        for loop in self.loops.values():
            loop.stop()

    def join(self, timeout: float | None = None) -> None:
        """Wait until every loop has ended; re-raise the first unexpected error, if any."""
        for thread in self._threads.values():
            thread.join(timeout)
        if self._errors:
            name, error = next(iter(self._errors.items()))
            raise RuntimeError(f"{name} failed: {error}") from error

    def readiness(self) -> dict[str, bool]:
        """Each loop by name: connected and working (consumers), or started (adapters)."""
        return {name: loop.ready.is_set() for name, loop in self.loops.items()}

    def wait_ready(self, timeout: float) -> bool:
        """True once every loop is connected and consuming."""
        return all(loop.ready.wait(timeout) for loop in self.loops.values())

    def _run(self, name: str, loop: Loop) -> None:
        try:
            loop.run()
        except BaseException as e:
            log.exception("%s died; stopping the hub", name)
            self._errors[name] = e
            self.stop()
