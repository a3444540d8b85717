"""The inbound checks: records reach the port once, survive outages, bad ones are refused.

The harness must offer *distinct* records (the suite counts distinct bodies), and ``offer`` and
``offer_bad`` must work inside ``outage()`` (they write through the system's back door: a
simulator's store, a direct insert, a file in the folder). Give the adapter a short poll
interval in the harness's config (0.1 s): the suite waits for records, it does not sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from adapters.sdk import (
    ADAPTER_REASON_CODES,
    Adapter,
    AdapterConfig,
    InboundAdapter,
    InboundRecord,
    RecordProblem,
)
from adapters.testing.conformance.suite_base import (
    AdapterConformance,
    running,
    wait_until,
)
from adapters.testing.harness import InboundHarness
from adapters.testing.port import MemoryCheckpoints, RecordingPort

Key = tuple[bytes, str, str | None]


def _key(record: InboundRecord) -> Key:
    return (record.body, record.record_type, record.source_message_id)


class WatchedPort(RecordingPort):
    """A :class:`RecordingPort` that also counts the calls it refused while ``failing``."""

    def __init__(self, source: str, checkpoints: MemoryCheckpoints | None = None) -> None:
        super().__init__(source, checkpoints)
        self.refused_calls = 0

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        if self.failing and records:
            self.refused_calls += 1
        return super().submit(records)

    def reject(self, body: bytes, problem: RecordProblem, **kwargs: Any) -> str:
        if self.failing:
            self.refused_calls += 1
        return super().reject(body, problem, **kwargs)

    def distinct(self) -> set[Key]:
        return {_key(r) for r in list(self.submitted)}


class InboundConformance(AdapterConformance):
    """Subclass with ``adapter_class`` set and a ``harness`` fixture (an InboundHarness)."""

    #: Records offered per check.
    batch: ClassVar[int] = 3
    #: How long an outage lasts (the adapter should try, and fail, during it).
    outage_seconds: ClassVar[float] = 1.0

    adapter_base: ClassVar[type] = InboundAdapter
    direction: ClassVar[str] = "inbound"

    def make_adapter(
        self, config: AdapterConfig, port: RecordingPort | None = None
    ) -> InboundAdapter[Any]:
        port = port or WatchedPort(self.system)
        cls: Any = self.adapter_class
        adapter: InboundAdapter[Any] = cls(config, system=self.system, port=port)
        return adapter

    def exercise(self, adapter: Adapter[Any], harness: InboundHarness) -> None:
        assert isinstance(adapter, InboundAdapter) and isinstance(adapter.port, RecordingPort)
        harness.offer(1)
        adapter.port.wait_for(submitted=1, timeout=self.timeout)

    def arrived(self, port: WatchedPort, count: int, when: str = "") -> None:
        """Wait until ``count`` distinct records were submitted, and not one more."""
        wait_until(lambda: len(port.distinct()) >= count, self.timeout,
                   lambda: f"{len(port.distinct())} of {count} offered records were submitted "
                           f"within {self.timeout:g}s{when}")
        assert len(port.distinct()) == count, f"{len(port.distinct())} records for {count} offered"

    def test_offered_records_are_submitted(self, harness: InboundHarness) -> None:
        port = WatchedPort(self.system)
        with running(self.make_adapter(self.config(harness), port), self.start_timeout):
            harness.offer(self.batch)
            self.arrived(port, self.batch)
        for record in port.submitted:
            assert isinstance(record, InboundRecord) and isinstance(record.body, bytes)
            assert record.body and record.record_type, f"an empty record was submitted: {record}"
        assert not port.rejected, f"valid records were rejected: {port.rejected}"

    def test_a_restart_with_the_same_checkpoints_submits_nothing_again(
        self, harness: InboundHarness
    ) -> None:
        checkpoints = MemoryCheckpoints()
        first = WatchedPort(self.system, checkpoints)
        with running(self.make_adapter(self.config(harness), first), self.start_timeout):
            harness.offer(self.batch)
            self.arrived(first, self.batch)
        again = WatchedPort(self.system, checkpoints)
        with running(self.make_adapter(self.config(harness), again), self.start_timeout):
            harness.offer(1)  # its arrival proves the restarted adapter has taken what it would
            wait_until(lambda: len(again.distinct()) >= 1, self.timeout,
                       lambda: f"the restarted adapter took nothing within {self.timeout:g}s")
        repeated = again.distinct() & first.distinct()
        assert not repeated, f"{len(repeated)} records were submitted again after a restart"
        assert len(again.distinct()) == 1, f"{len(again.distinct())} records for 1 new one"

    def test_records_offered_during_an_outage_arrive_after_it(
        self, harness: InboundHarness
    ) -> None:
        port = WatchedPort(self.system)
        adapter = self.make_adapter(self.config(harness), port)
        with running(adapter, self.start_timeout):
            self.healthy(adapter)
            with harness.outage():
                harness.offer(self.batch)
                time.sleep(self.outage_seconds)
            self.arrived(port, self.batch, " after the outage ended: records were lost")

    def test_a_bad_record_is_rejected_once_with_a_reason_code_and_its_bytes(
        self, harness: InboundHarness
    ) -> None:
        port = WatchedPort(self.system)
        with running(self.make_adapter(self.config(harness), port), self.start_timeout):
            offer_bad: Callable[[], object] = harness.offer_bad  # may return the bad bytes
            original = offer_bad()
            wait_until(lambda: len(port.rejected) >= 1, self.timeout,
                       lambda: f"the bad record was not rejected (port.reject) within "
                               f"{self.timeout:g}s; submitted: {len(port.submitted)}")
            for expected in (1, 2):  # two more polls after the bad record: it stays refused once
                harness.offer(1)
                self.arrived(port, expected)
        assert len(port.rejected) == 1, f"the bad record was rejected {len(port.rejected)} times"
        rejection = port.rejected[0]
        assert rejection.problem.code in ADAPTER_REASON_CODES, (
            f"{rejection.problem.code!r} is not one of {sorted(ADAPTER_REASON_CODES)}")
        assert rejection.problem.message, "the problem must say what is wrong"
        assert isinstance(rejection.body, bytes) and rejection.body, "the original bytes are kept"
        if isinstance(original, bytes):
            assert rejection.body == original, "the rejected body differs from what was offered"
        assert rejection.body not in {r.body for r in port.submitted}, "it was submitted too"

    def test_nothing_is_marked_taken_while_the_hub_refuses_records(
        self, harness: InboundHarness
    ) -> None:
        checkpoints = MemoryCheckpoints()
        port = WatchedPort(self.system, checkpoints)
        adapter = self.make_adapter(self.config(harness), port)
        with running(adapter, self.start_timeout):
            self.healthy(adapter)
            self.refused_for_a_while(port, harness)
            port.failing = False  # the same adapter takes them once the hub is back
            self.arrived(port, self.batch, " after the hub took records again: records were lost")
            self.refused_for_a_while(port, harness)
        # Stopped while the hub still refused: a new instance with the same checkpoints (a
        # restart) must still find the second batch, so it was not marked taken anywhere.
        restarted = WatchedPort(self.system, checkpoints)
        with running(self.make_adapter(self.config(harness), restarted), self.start_timeout):
            self.arrived(restarted, self.batch, " after a restart: records refused by the hub "
                                                "were marked taken and lost")
        repeated = restarted.distinct() & port.distinct()
        assert not repeated, f"{len(repeated)} records taken before the restart came again"

    def refused_for_a_while(self, port: WatchedPort, harness: InboundHarness) -> None:
        """Make the hub refuse, offer a batch, and wait until the adapter tried to submit it."""
        port.failing, tried = True, port.refused_calls
        harness.offer(self.batch)
        wait_until(lambda: port.refused_calls > tried, self.timeout,
                   lambda: "the adapter never tried to submit the offered records")
