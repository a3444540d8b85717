"""The worker acks a batch only after ``before_ack`` (the journal's commit) returns: when the
journal cannot commit, the batch stays unacked, comes back, and is journaled under the same
hub message ids."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path

from hub.journal import JournalUnavailable
from hub.pipeline.processor import Outcome
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

INPUTS = 5


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

    def commit() -> None:
        nonlocal settled
        batch, settled = [o.message_id for o in outcomes[settled:]], len(outcomes)
        if len(refused) < 2:
            refused.extend(batch)
            raise JournalUnavailable("the journal's database is away (test)")
        committed.extend(batch)

    worker = department.hub.worker(on_outcome=outcomes.append, before_ack=commit)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(set(committed)) < INPUTS:
            assert time.monotonic() < deadline, (len(outcomes), refused, committed)
            time.sleep(0.05)
    finally:
        worker.stop()
        thread.join(30)
    # Acked only what was committed: with the worker gone, nothing is left on the queue...
    assert department.depth("hub.inbound") == 0
    # ...and every input of a refused batch came back and was processed again, same id.
    assert len(refused) >= 2
    seen = Counter(o.message_id for o in outcomes)
    assert len(seen) == INPUTS
    assert all(seen[message_id] >= 2 for message_id in refused)
    assert set(refused) <= set(committed)
    department.close()
