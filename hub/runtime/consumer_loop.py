"""The reconnecting consumer loop shared by the pipeline worker and the delivery runners.

A subclass implements :meth:`ConsumerLoop.consume`, which runs on an open broker session until
:attr:`stopping` is set. On any transient error (connection lost, confirms not answered, the
journal's database away), the session is dropped, the broker redelivers whatever was unacked,
and the loop reconnects with exponential back-off and jitter; a stop request cuts it short.
"""

from __future__ import annotations

import logging
import threading

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from hub.runtime.broker import BrokerSession
from hub.runtime.declarations import Topology
from schemas.contract.errors import BrokerUnavailable, TransientError

log = logging.getLogger(__name__)


class ConsumerLoop:
    """Run :meth:`consume` until :meth:`stop`, reconnecting whenever the broker is lost."""

    def __init__(self, broker_url: str, topology: Topology) -> None:
        self.broker_url = broker_url
        self.topology = topology
        self._stop = threading.Event()
        self._sessions = 0
        #: Set while the loop is connected and consuming.
        self.ready = threading.Event()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Ask the loop to finish what it holds and return (safe from a signal handler)."""
        self._stop.set()

    def pause(self, seconds: float) -> None:
        """Sleep up to ``seconds``; a stop request ends the pause early."""
        self._stop.wait(seconds)

    def run(self) -> None:
        """Consume until :meth:`stop`; reconnect with back-off when the broker goes away."""
        retrying = Retrying(
            # Transient errors include the journal being away: the unacked input is redelivered.
            retry=retry_if_exception_type((TransientError, OSError)),
            wait=wait_exponential_jitter(multiplier=0.5, max=30),
            sleep=self.pause,
            before_sleep=_log_reconnect,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                if not self.stopping:
                    self._run_session()

    def consume(self, session: BrokerSession) -> None:
        """Work on ``session`` until :attr:`stopping`; subclasses implement it."""
        raise TypeError(f"{type(self).__name__} must implement consume()")

    def _run_session(self) -> None:
        with BrokerSession(self.broker_url, self.topology) as session:
            self._sessions += 1
            if self._sessions > 1:
                log.info("%s reconnected to %s", type(self).__name__, session.node)
            # Read before consume(), which may hand the work to a connection of its own and
            # close the session (the worker's pika link).
            recoverable = session.recoverable_errors
            try:
                self.consume(session)
            except recoverable as e:
                raise BrokerUnavailable(str(e)) from e
            finally:
                self.ready.clear()


def _log_reconnect(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    log.warning("broker trouble (%s); reconnecting", error)
