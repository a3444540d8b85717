"""The worker acks a batch only once past its ack barrier (the journal's commit): when the
journal cannot commit, the batch stays unacked, comes back, and is journaled under the same
hub message ids. While inputs are queued, the worker processes the next batch before it
passes the barrier of the last one (the journal commits meanwhile)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hub.journal import JournalUnavailable
from hub.pipeline.processor import Outcome
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

INPUTS = 5


def _run_worker(department: RunningHub, outcomes: list[Outcome],
                barrier: Callable[[], Callable[[], None]], until: Callable[[], bool]) -> None:
    """Run the department's hub worker with ``barrier`` until ``until()`` (60 s at most)."""
    worker = department.hub.worker(on_outcome=outcomes.append, ack_barrier=barrier)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not until():
            assert time.monotonic() < deadline, f"{len(outcomes)} inputs processed"
            time.sleep(0.05)
    finally:
        worker.stop()
        thread.join(30)


def test_a_batch_whose_journal_commit_fails_is_not_acked_and_comes_back(
    broker_url: str, tmp_path: Path
) -> None:
    department = RunningHub(broker_url, tmp_path).open()
    record = json.loads((RECORDS / "licence.json").read_bytes())
    for n in range(INPUTS):
        record["licence_number"] = f"JY{n:014d}"
        department.publish("market.administrative_licence", json.dumps(record).encode())
    outcomes: list[Outcome] = []
    refused: list[str] = []  # the hub message ids of the batches whose commit failed
    committed: list[str] = []
    settled = 0

    def barrier() -> Callable[[], None]:
        nonlocal settled
        batch, settled = [o.message_id for o in outcomes[settled:]], len(outcomes)

        def commit() -> None:
            if len(refused) < 2:
                refused.extend(batch)
                raise JournalUnavailable("the journal's database is away (test)")
            committed.extend(batch)

        return commit

    _run_worker(department, outcomes, barrier, until=lambda: len(set(committed)) >= INPUTS)
    # Acked only what was committed: with the worker gone, nothing is left on the queue...
    assert department.depth("hub.inbound") == 0
    # ...and every input of a refused batch came back and was processed again, same id.
    assert len(refused) >= 2
    seen = Counter(o.message_id for o in outcomes)
    assert len(seen) == INPUTS
    assert all(seen[message_id] >= 2 for message_id in refused)
    assert set(refused) <= set(committed)
    department.close()


def test_the_next_batch_is_processed_while_the_last_one_commits(
    broker_url: str, tmp_path: Path
) -> None:
    department = RunningHub(broker_url, tmp_path, confirm_batch_size=16, prefetch_count=64).open()
    record = json.loads((RECORDS / "licence.json").read_bytes())
    for n in range(64):
        record["licence_number"] = f"JY{n:014d}"
        department.publish("market.administrative_licence", json.dumps(record).encode())
    outcomes: list[Outcome] = []
    barriers: list[tuple[int, int]] = []  # inputs processed when taken, and when passed

    def barrier() -> Callable[[], None]:
        taken = len(outcomes)

        def commit() -> None:
            barriers.append((taken, len(outcomes)))

        return commit

    _run_worker(department, outcomes, barrier,
                until=lambda: len(barriers) >= 4 and barriers[-1][0] >= 64)
    assert barriers[-1][0] == 64
    overlapped = [(taken, passed) for taken, passed in barriers if passed > taken]
    assert overlapped, f"every barrier was passed before the next input: {barriers}"
    assert all(passed - taken <= 16 for taken, passed in barriers), "at most one batch ahead"
    department.close()
