"""An in-memory inbound port: what the core would publish, kept in lists for assertions."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from adapters.sdk import Checkpoints, InboundRecord, RecordProblem, TransientError


class MemoryCheckpoints:
    """Checkpoints in a dict (share one between adapter instances to test restarts)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def put(self, key: str, value: str) -> None:
        self.values[key] = value


@dataclass(frozen=True)
class Rejection:
    """A record an adapter refused, as the core would quarantine it."""

    body: bytes
    problem: RecordProblem
    record_type: str | None
    content_type: str
    source_message_id: str | None


class RecordingPort:
    """An :class:`~adapters.sdk.InboundPort` that keeps what it is given. Thread-safe.

    Set ``failing`` to make every call raise :class:`TransientError`, as the core does while
    the broker is away.
    """

    def __init__(self, source: str = "market", checkpoints: MemoryCheckpoints | None = None) -> None:
        self.source = source
        self.checkpoints: Checkpoints = checkpoints or MemoryCheckpoints()
        self.submitted: list[InboundRecord] = []
        self.rejected: list[Rejection] = []
        self.failing = False
        self._lock = threading.Lock()

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        with self._lock:
            if self.failing:
                raise TransientError("the hub is not taking records (test)")
            self.submitted.extend(records)
            return [r.source_message_id or str(uuid.uuid4()) for r in records]

    def reject(
        self,
        body: bytes,
        problem: RecordProblem,
        *,
        record_type: str | None = None,
        content_type: str = "application/octet-stream",
        source_message_id: str | None = None,
    ) -> str:
        with self._lock:
            if self.failing:
                raise TransientError("the hub is not taking records (test)")
            self.rejected.append(
                Rejection(body, problem, record_type, content_type, source_message_id)
            )
            return source_message_id or str(uuid.uuid4())

    def wait_for(self, submitted: int = 0, rejected: int = 0, timeout: float = 10.0) -> None:
        """Wait until at least this many records were submitted and rejected; AssertionError
        naming the counts if not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while len(self.submitted) < submitted or len(self.rejected) < rejected:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"submitted {len(self.submitted)} of {submitted}, "
                    f"rejected {len(self.rejected)} of {rejected} within {timeout}s"
                )
            time.sleep(0.02)
