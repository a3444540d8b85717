"""The :class:`JournalWriter`: journal writes taken off the pipeline's hot path.

The pipeline hands events to :meth:`JournalWriter.submit`, which only appends them to an
in-memory queue; a background thread writes them in batches, one transaction per batch.

Contract:
- ``submit`` returns at once unless the queue holds ``max_pending`` records or about
  ``max_pending_bytes`` of message bodies and payloads; then it blocks until the writer has
  made room (back-pressure: the pipeline slows down to the database's pace rather than
  anything being dropped or memory growing without bound, however large the records are).
- The records of one ``submit`` call are written in the same transaction, in order.
- A batch is written when ``batch_size`` records are queued or its oldest record has waited
  ``flush_interval`` seconds, whichever comes first.
- A failed write is retried, with exponential back-off and jitter up to ``max_backoff``
  seconds, until it succeeds: nothing queued is dropped. Records leave the queue only once
  written, so :meth:`pending` and :meth:`lag_seconds` count a batch that is being retried.
- :meth:`close` writes everything queued, then stops the thread. Records still queued when
  the process exits without ``close`` are lost (the thread is a daemon so that a forgotten
  ``close`` cannot hang interpreter exit).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, Self

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from hub.journal.errors import JournalClosed, JournalUnavailable
from hub.journal.records import JournalEvent, JournalMessage

log = logging.getLogger(__name__)


class JournalSink(Protocol):
    """Where the writer writes: :class:`hub.journal.Journal`, or a fake in tests."""

    def record(
        self, messages: Sequence[JournalMessage], events: Sequence[JournalEvent]
    ) -> None: ...


@dataclass(slots=True)
class _Submission:
    enqueued_at: float
    messages: tuple[JournalMessage, ...]
    events: tuple[JournalEvent, ...]
    size: int
    nbytes: int


#: Memory an event holds, roughly (ids, names, timestamps, a short detail).
_EVENT_BYTES = 512


def _weight(messages: Sequence[JournalMessage], events: Sequence[JournalEvent]) -> int:
    """Bytes the records hold, estimated: a message's unified payload is about as large as its
    body, so each message counts its body twice; events count a fixed size."""
    return sum(2 * len(m.body) for m in messages) + _EVENT_BYTES * (len(messages) + len(events))


class JournalWriter:
    """Batches journal records in a background thread; every public method is thread-safe.

    The thread starts in the constructor: a writer that was made is a writer that writes.
    """

    def __init__(
        self,
        sink: JournalSink,
        *,
        batch_size: int = 500,
        flush_interval: float = 0.2,
        max_pending: int = 50_000,
        max_pending_bytes: int = 32 * 1024 * 1024,
        max_backoff: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if batch_size <= 0 or max_pending <= 0 or max_pending_bytes <= 0:
            raise ValueError("batch_size, max_pending and max_pending_bytes must be > 0")
        if flush_interval <= 0 or max_backoff <= 0:
            raise ValueError("flush_interval and max_backoff must be > 0")
        self._sink = sink
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_pending = max_pending
        self._max_pending_bytes = max_pending_bytes
        self._pending_bytes = 0
        self._max_backoff = max_backoff
        self._clock = clock
        self._queue: deque[_Submission] = deque()
        self._pending = 0
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # the thread waits here for records
        self._room = threading.Condition(self._lock)  # submitters wait here for space
        self._closing = False
        self._abandoned = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(
        self, messages: Iterable[JournalMessage] = (), events: Iterable[JournalEvent] = ()
    ) -> None:
        """Queue records for writing; blocks only while the queue is full.

        Raises :class:`JournalClosed` after :meth:`close` was called.
        """
        batch_messages, batch_events = tuple(messages), tuple(events)
        size = len(batch_messages) + len(batch_events)
        if size == 0:
            return
        nbytes = _weight(batch_messages, batch_events)
        with self._lock:
            if self._closing:
                raise JournalClosed("the journal writer is closed")
            # A submission larger than the whole queue is let in alone rather than never.
            while self._pending and (
                self._pending + size > self._max_pending
                or self._pending_bytes + nbytes > self._max_pending_bytes
            ):
                if self._abandoned.is_set():
                    raise JournalClosed("the journal writer gave up; nothing more is written")
                self._room.wait()
            was_idle = not self._queue
            self._queue.append(
                _Submission(self._clock(), batch_messages, batch_events, size, nbytes)
            )
            self._pending += size
            self._pending_bytes += nbytes
            # Wake the thread only when it has something new to decide on: it computes its
            # own deadline from the oldest record, so other submits need not disturb it.
            if was_idle or self._pending - size < self._batch_size <= self._pending:
                self._work.notify()

    def pending(self) -> int:
        """Records submitted and not yet written (including a batch being written)."""
        with self._lock:
            return self._pending

    def lag_seconds(self) -> float:
        """How long the oldest unwritten record has waited; 0.0 when everything is written."""
        with self._lock:
            if not self._queue:
                return 0.0
            return max(0.0, self._clock() - self._queue[0].enqueued_at)

    def close(self, timeout: float | None = None) -> None:
        """Write everything queued, then stop the thread. Idempotent.

        With a ``timeout`` (seconds), give up when the records are not written by then (the
        database stayed away): raises :class:`JournalUnavailable` saying how many were lost.
        """
        with self._lock:
            self._closing = True
            self._work.notify()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._abandoned.set()
            with self._lock:
                self._work.notify()
                self._room.notify_all()
                lost = self._pending
            self._thread.join()
            raise JournalUnavailable(f"journal writer closed with {lost} records not written")

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            if not self._write(batch):
                return
            with self._lock:
                for _ in batch:
                    self._queue.popleft()
                self._pending -= sum(item.size for item in batch)
                self._pending_bytes -= sum(item.nbytes for item in batch)
                self._room.notify_all()

    def _next_batch(self) -> list[_Submission] | None:
        """Wait until a batch is due and return it (still queued), or None to stop."""
        with self._lock:
            while True:
                if self._abandoned.is_set():
                    return None
                if not self._queue:
                    if self._closing:
                        return None
                    self._work.wait()
                    continue
                waited = self._clock() - self._queue[0].enqueued_at
                due = self._closing or self._pending >= self._batch_size
                if due or waited >= self._flush_interval:
                    return self._take()
                self._work.wait(self._flush_interval - waited)

    def _take(self) -> list[_Submission]:
        batch: list[_Submission] = []
        size = 0
        for item in self._queue:
            if batch and size + item.size > self._batch_size:
                break
            batch.append(item)
            size += item.size
        return batch

    def _write(self, batch: list[_Submission]) -> bool:
        """Write ``batch`` in one call to the sink, retrying until it succeeds.

        False only when :meth:`close` gave up waiting (the batch is then not written).
        """
        messages = [m for item in batch for m in item.messages]
        events = [e for item in batch for e in item.events]
        retrying = Retrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential_jitter(multiplier=0.05, max=self._max_backoff, jitter=0.05),
            stop=lambda _state: self._abandoned.is_set(),
            sleep=self._backoff,
            before_sleep=self._log_failure,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._sink.record(messages, events)
        except Exception:
            log.exception("journal writer abandoned %d records", len(messages) + len(events))
            return False
        return True

    def _backoff(self, seconds: float) -> None:
        # A close() that gives up must not wait for the end of a long back-off.
        self._abandoned.wait(seconds)

    @staticmethod
    def _log_failure(state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "journal write failed (attempt %d: %s); retrying in %.2fs",
            state.attempt_number,
            error,
            wait,
        )
