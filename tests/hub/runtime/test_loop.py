"""The reconnecting loop: transient errors reconnect, others stop the loop."""

from __future__ import annotations

import threading

import pytest

from hub.journal import JournalUnavailable
from hub.runtime.broker import BrokerSession
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import Topology, TopologyOptions


class Flaky(ConsumerLoop):
    def __init__(self, failures: list[BaseException]) -> None:
        super().__init__("memory://", Topology(["market"], TopologyOptions()))
        self.failures = failures
        self.sessions = 0

    def consume(self, session: BrokerSession) -> None:
        self.sessions += 1
        if self.failures:
            raise self.failures.pop(0)
        self.stop()


def test_a_journal_outage_reconnects_instead_of_stopping_the_loop() -> None:
    loop = Flaky([JournalUnavailable("database away"), JournalUnavailable("still away")])
    thread = threading.Thread(target=loop.run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive()
    assert loop.sessions == 3, "two failed sessions, then one that ran"


def test_a_programming_error_is_not_retried() -> None:
    loop = Flaky([KeyError("bug")])
    with pytest.raises(KeyError):
        loop.run()
    assert loop.sessions == 1
