"""The :class:`JournalWriter`: journal writes taken off the pipeline's hot path.

The pipeline hands events to :meth:`JournalWriter.submit`, which only appends them to an
in-memory queue (or to :meth:`JournalWriter.submit_later`, which queues a function that makes
them, so that even building the records happens off the pipeline's thread); a background
thread writes them in batches, one transaction per batch.

Contract:
- ``submit`` returns at once unless the queue holds ``max_pending`` records or about
  ``max_pending_bytes`` of message bodies and payloads; then it blocks until the writer has
  made room (back-pressure: the pipeline slows down to the database's pace rather than
  anything being dropped or memory growing without bound, however large the records are).
- The records of one ``submit`` call are written in the same transaction, in order.
- A batch is written when ``batch_size`` records are queued or its oldest record has waited
  ``flush_interval`` seconds, whichever comes first; except while the pipeline reports a
  backlog (:meth:`JournalWriter.set_busy`): then batches wait until it has caught up, for at
  most ``max_deferral`` seconds and only while the queue is less than half full, so that a
  burst is processed at full speed and journaled right after. The price: records a killed
  process held are lost with it, up to ``max_deferral`` seconds of them during a burst; never
  an input's own record, which the worker waits for before it acks (:meth:`wait_written`).
- A failed write is retried, with exponential back-off and jitter up to ``max_backoff``
  seconds, until it succeeds (the database away, a lock not granted: transient). Records leave
  the queue only once written, so :meth:`pending` and :meth:`lag_seconds` count a batch that is
  being retried.
- Except when the database refuses the records themselves (:class:`PermanentError`, e.g.
  :class:`RecordsRefused`: a value it cannot store, a violated constraint), which no retry
  can mend. Then the writer logs the batch's failure at ERROR with its cause, splits the batch
  in halves until it has isolated the records refused (each half is written, transient errors
  retried as above), and sets those aside: each is logged at ERROR (kind, message id, source,
  routing key, the database's reason; never a body or headers) and counted by
  :meth:`rejected`, which the monitor exposes as ``hub_journal_rejected_records_total``.
  They are not written anywhere else: the input itself is safe on the broker (delivered, or
  quarantined with its body); only its journal record is missing, loudly. The writer then goes
  on with the rest of the batch and with later batches. The records of such a batch are no
  longer written in one transaction.
- Each submission gets a ticket (:meth:`submit` and :meth:`submit_later` return it, in order).
  :meth:`wait_written` blocks until the submission with a given ticket, and all before it, is
  written (or set aside as refused), writing at once rather than after ``flush_interval`` or a
  deferral: the worker acks an input only after its journal record is committed, so a process
  killed at any moment loses no record of an input it acked (group commit: one wait per batch
  of inputs, one transaction per batch of records).
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
    retry_if_not_exception_type,
    wait_exponential_jitter,
)

from hub.journal.journal_errors import JournalClosed, JournalUnavailable
from hub.journal.records import JournalEvent, JournalMessage
from schemas.contract.errors import PermanentError

log = logging.getLogger(__name__)


class JournalSink(Protocol):
    """Where the writer writes: :class:`hub.journal.Journal`, or a fake in tests."""

    def record(
        self, messages: Sequence[JournalMessage], events: Sequence[JournalEvent]
    ) -> None: ...


Records = tuple[Sequence[JournalMessage], Sequence[JournalEvent]]
#: Makes one submission's records, on the writer thread (see :meth:`JournalWriter.submit_later`).
RecordBuilder = Callable[[], Records]


@dataclass(slots=True)
class _Submission:
    enqueued_at: float
    records: Records | None
    build: RecordBuilder | None
    size: int
    nbytes: int

    def materialise(self) -> Records:
        """The records, built now if they were submitted as a builder (once)."""
        if self.records is None:
            assert self.build is not None
            self.records, self.build = self.build(), None
        return self.records


#: Memory a record holds besides its body, roughly (ids, names, timestamps, a short detail).
RECORD_BYTES = 512


def weight(body_bytes: int, records: int) -> int:
    """Bytes ``records`` journal records hold, estimated, when their messages' bodies add up to
    ``body_bytes``: a unified payload is about as large as its body, so bodies count twice."""
    return 2 * body_bytes + RECORD_BYTES * records


def _weight(messages: Sequence[JournalMessage], events: Sequence[JournalEvent]) -> int:
    return weight(sum(len(m.body) for m in messages), len(messages) + len(events))


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
        max_deferral: float = 5.0,
        max_pending: int = 50_000,
        max_pending_bytes: int = 64 * 1024 * 1024,
        max_backoff: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if batch_size <= 0 or max_pending <= 0 or max_pending_bytes <= 0:
            raise ValueError("batch_size, max_pending and max_pending_bytes must be > 0")
        if flush_interval <= 0 or max_backoff <= 0 or max_deferral < 0:
            raise ValueError("flush_interval and max_backoff must be > 0, max_deferral >= 0")
        self._sink = sink
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_deferral = max_deferral
        self._busy = False
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
        self._written_cond = threading.Condition(self._lock)  # wait_written waits here
        self._submitted = 0  # tickets given out: the last submission's
        self._written = 0  # every ticket up to this one is written
        self._wanted = 0  # a caller waits for every ticket up to this one
        self._closing = False
        self._abandoned = threading.Event()
        self._rejected = 0
        self._thread = threading.Thread(target=self._run, name="journal-writer", daemon=True)
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def submit(
        self, messages: Iterable[JournalMessage] = (), events: Iterable[JournalEvent] = ()
    ) -> int:
        """Queue records for writing; blocks only while the queue is full. Returns the
        submission's ticket (see :meth:`wait_written`; the last one's when there is nothing).

        Raises :class:`JournalClosed` after :meth:`close` was called.
        """
        batch_messages, batch_events = tuple(messages), tuple(events)
        size = len(batch_messages) + len(batch_events)
        if not size:
            with self._lock:
                return self._submitted
        nbytes = _weight(batch_messages, batch_events)
        return self._enqueue((batch_messages, batch_events), None, size, nbytes)

    def submit_later(self, build: RecordBuilder, *, size: int, nbytes: int) -> int:
        """Queue the records ``build`` makes; it is called on the writer thread, when their
        batch is written, so the caller pays for queuing only. ``size`` (records) and
        ``nbytes`` (memory held until written) are the caller's estimates, for back-pressure.

        ``build`` must not fail: one that raises is a bug, logged with its traceback, and its
        records are left out rather than retried (they would block every batch after them).
        Blocks only while the queue is full; raises :class:`JournalClosed` after :meth:`close`.
        Returns the submission's ticket.
        """
        return self._enqueue(None, build, max(1, size), nbytes)

    def wait_written(self, ticket: int, timeout: float) -> None:
        """Return once the submission ``ticket`` and every one before it are written (or set
        aside as refused); they are written now, not after a flush interval or a deferral.

        Raises :class:`JournalUnavailable` when that takes longer than ``timeout`` seconds (the
        database away: the writer keeps retrying), :class:`JournalClosed` when the writer gave
        up.
        """
        deadline = self._clock() + timeout
        with self._lock:
            if ticket <= self._written:
                return
            self._want(ticket)
            while ticket > self._written:
                if self._abandoned.is_set():
                    raise JournalClosed("the journal writer gave up; nothing more is written")
                left = deadline - self._clock()
                if left <= 0:
                    raise JournalUnavailable(
                        f"journal records not committed within {timeout:g}s; the database "
                        "may be away")
                self._written_cond.wait(left)

    def want(self, ticket: int) -> None:
        """Have the submission ``ticket`` and every one before it written now, not after a
        flush interval or a deferral, without waiting for it (see :meth:`wait_written`)."""
        with self._lock:
            if ticket > self._written:
                self._want(ticket)

    def _want(self, ticket: int) -> None:
        if ticket > self._wanted:
            self._wanted = ticket
            self._work.notify()

    def set_busy(self, busy: bool) -> None:
        """The pipeline has a backlog (True) or has caught up (False). While it is busy,
        batches wait up to ``max_deferral`` seconds (or until the queue is half full) to leave
        the CPU to the pipeline; a burst shorter than that is journaled right after it."""
        with self._lock:
            if busy != self._busy:
                self._busy = busy
                self._work.notify()

    def _enqueue(self, records: Records | None, build: RecordBuilder | None, size: int,
                 nbytes: int) -> int:
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
            self._submitted += 1
            self._queue.append(_Submission(self._clock(), records, build, size, nbytes))
            self._pending += size
            self._pending_bytes += nbytes
            # Wake the thread only when it has something new to decide on: it computes its
            # own deadline from the oldest record, so other submits need not disturb it.
            if was_idle or self._pending - size < self._batch_size <= self._pending:
                self._work.notify()
            return self._submitted

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

    def rejected(self) -> int:
        """Records the database refused permanently and the writer set aside, since start."""
        with self._lock:
            return self._rejected

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
                self._written_cond.notify_all()
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
                self._written += len(batch)
                self._room.notify_all()
                self._written_cond.notify_all()

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
                if self._wanted > self._written:  # someone waits for these: write now
                    return self._take()
                if self._deferring(waited):
                    self._work.wait(self._max_deferral - waited)
                    continue
                due = self._closing or self._pending >= self._batch_size
                if due or waited >= self._flush_interval:
                    return self._take()
                self._work.wait(self._flush_interval - waited)

    def _deferring(self, waited: float) -> bool:
        """Whether to hold the queued batches back while the pipeline is busy."""
        return (
            self._busy
            and not self._closing
            and waited < self._max_deferral
            and self._pending * 2 < self._max_pending
            and self._pending_bytes * 2 < self._max_pending_bytes
        )

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
        messages: list[JournalMessage] = []
        events: list[JournalEvent] = []
        for item in batch:
            try:
                item_messages, item_events = item.materialise()
            except Exception:
                log.exception("journal records left out: building them failed (a bug)")
                item.records = ((), ())
                continue
            messages.extend(item_messages)
            events.extend(item_events)
        try:
            self._write_retrying(messages, events)
        except PermanentError as e:
            log.error("the journal database refused a batch of %d records (%s); isolating "
                      "the records it refuses", len(messages) + len(events), _cause(e))
            try:
                self._isolate([*messages, *events])
            except Exception:
                log.exception("journal writer abandoned a batch while isolating refused records")
                return False
        except Exception:
            log.exception("journal writer abandoned %d records", len(messages) + len(events))
            return False
        return True

    def _write_retrying(
        self, messages: Sequence[JournalMessage], events: Sequence[JournalEvent]
    ) -> None:
        """One call to the sink, retried on any error but a :class:`PermanentError` (raised)
        until it succeeds or :meth:`close` gives up (the last error is raised)."""
        retrying = Retrying(
            retry=retry_if_not_exception_type(PermanentError),
            wait=wait_exponential_jitter(multiplier=0.05, max=self._max_backoff, jitter=0.05),
            stop=lambda _state: self._abandoned.is_set(),
            sleep=self._backoff,
            before_sleep=self._log_failure,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                self._sink.record(messages, events)

    def _isolate(self, records: list[JournalMessage | JournalEvent]) -> None:
        """Write ``records``, a set the sink refused as a whole: each half on its own, halving
        again what is refused, until the records refused alone are found and set aside."""
        middle = len(records) // 2
        for part in (records[:middle], records[middle:]):
            if not part:
                continue
            try:
                self._write_retrying(
                    [r for r in part if isinstance(r, JournalMessage)],
                    [r for r in part if isinstance(r, JournalEvent)],
                )
            except PermanentError as e:
                if len(part) == 1:
                    self._set_aside(part[0], e)
                else:
                    self._isolate(part)

    def _set_aside(self, record: JournalMessage | JournalEvent, error: PermanentError) -> None:
        if isinstance(record, JournalMessage):
            what = (f"message {record.message_id!r} from {record.source!r:.80}, routing key "
                    f"{record.routing_key!r:.300}")
        else:
            what = (f"{record.event} event of message {record.message_id!r} from "
                    f"{record.source!r:.80}")
        log.error("journal record set aside, the database refuses it: %s: %s", what,
                  _cause(error))
        with self._lock:
            self._rejected += 1

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


def _cause(error: BaseException) -> str:
    """The error on one line and bounded (a database may quote the row it refused)."""
    return " ".join(str(error).split())[:1000]
