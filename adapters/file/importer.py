"""Importing one batch file through an inbound port: confirmed chunks, a checkpoint, a report.

Shared by ``file-drop`` and ``hub import``. Contract of :meth:`FileImport.run`:
- good rows are submitted in chunks of ``chunk_size`` rows (``port.submit`` returns once the
  broker confirmed them); each record's source message id is ``<file>#<row>``;
- a refused row is quarantined at once with ``port.reject`` (its original bytes, its problem at
  ``row N`` or ``row N/field``) and written to the error report;
- after each chunk the report is flushed and the checkpoint saved: the number of the last row
  whose fate the broker confirmed. A run given that checkpoint skips rows up to it, so after a
  crash only the unconfirmed chunk is read and submitted again (the hub's delivery runners drop
  those repeats by content hash);
- a file that is not a regular file (:class:`~adapters.sdk.regular_files.NotRegularFile`:
  raised by the readers before they read a byte) fails like an unreadable one, with
  ``adapter.not_a_regular_file`` and nothing of its target in the description;
- a file that cannot be read (at the start or part-way) flushes what it had, is quarantined
  once as a whole (a JSON description of the file: the file itself may be any size and is kept
  by the caller) and ends the run with ``failure`` set;
- :class:`TransientError` from the port propagates with the checkpoint at the last confirmed
  chunk; ``should_stop`` is asked after each chunk and ends the run early (``done`` False).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from adapters.file.error_report import ErrorReport
from adapters.file.file_rows import FileUnusable, Row, RowSource
from adapters.sdk.adapter_errors import RecordProblem
from adapters.sdk.lifecycle import Checkpoints, InboundPort, InboundRecord
from adapters.sdk.regular_files import NotRegularFile, open_regular


@dataclass
class Progress:
    """What the checkpoint keeps about one file (JSON in the port's checkpoints)."""

    name: str
    row: int = 0
    taken: int = 0
    refused: int = 0
    done: bool = False
    failure: dict[str, str] | None = field(default=None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Progress:
        return cls(**json.loads(text))


def file_digest(path: Path, *, expected: os.stat_result | None = None) -> str:
    """The sha256 of the file's content (read in blocks). :class:`NotRegularFile` (before
    reading) if ``path`` is not a regular file, or not the file ``expected`` describes."""
    with open_regular(path, expected=expected) as stream:
        return stream_digest(stream)


def stream_digest(stream: BinaryIO) -> str:
    """The sha256 of what is left to read in ``stream`` (read in blocks)."""
    digest = hashlib.sha256()
    while block := stream.read(1024 * 1024):
        digest.update(block)
    return digest.hexdigest()


def checkpoint_key(digest: str) -> str:
    return f"file:{digest}"


def load_progress(checkpoints: Checkpoints, digest: str, name: str) -> Progress | None:
    """The saved progress of this content under this name; None if there is none (a progress
    saved under another name belongs to an earlier import of the same content)."""
    saved = checkpoints.get(checkpoint_key(digest))
    if saved is None:
        return None
    progress = Progress.from_json(saved)
    return progress if progress.name == name else None


class FileImport:
    """One file's import through ``port`` (see module doc). ``label`` names the file in ids,
    feedback and messages; ``on_rows(rows_read_this_run, fraction_of_file)`` follows each chunk."""

    def __init__(
        self,
        port: InboundPort,
        *,
        record_type: str | None,
        label: str,
        digest: str,
        report: ErrorReport,
        chunk_size: int = 500,
        should_stop: Callable[[], bool] = lambda: False,
        on_rows: Callable[[int, float | None], None] | None = None,
    ) -> None:
        self.port = port
        self.record_type = record_type
        self.label = label
        self.digest = digest
        self.report = report
        self.chunk_size = chunk_size
        self.should_stop = should_stop
        self.on_rows = on_rows
        self._key = checkpoint_key(digest)
        self._pending: list[InboundRecord] = []
        self._read = 0

    def run(self, source: RowSource, progress: Progress) -> Progress:
        """Import what is left of the file after ``progress``; returns the new progress."""
        last, since_save = progress.row, 0
        try:
            for row in source.rows():
                if row.number <= progress.row:
                    continue  # confirmed by an earlier run
                self._take(row, source, progress)
                last, since_save = row.number, since_save + 1
                if since_save >= self.chunk_size:
                    self._confirm(progress, last, source)
                    since_save = 0
                    if self.should_stop():
                        return progress
        except (FileUnusable, NotRegularFile) as e:
            self._confirm(progress, last, source)
            self._fail(progress, e.problem)
        else:
            self._confirm(progress, last, source)
        progress.done = True
        self._save(progress)
        return progress

    def _take(self, row: Row, source: RowSource, progress: Progress) -> None:
        self._read += 1
        ident = f"{self.label}#{row.number}"
        if isinstance(row.value, RecordProblem):
            self.port.reject(
                row.raw, row.value, record_type=self.record_type,
                content_type=source.raw_content_type, source_message_id=ident,
            )
            self.report.add(row.number, row.value)
            progress.refused += 1
            return
        if self.record_type is None:
            raise FileUnusable("adapter.unsupported", "the file's record type is not known")
        if isinstance(row.value, bytes):
            body = row.value
        else:
            body = json.dumps(row.value, ensure_ascii=False, separators=(",", ":")).encode()
        self._pending.append(
            InboundRecord(body, self.record_type, source.record_content_type, ident)
        )

    def _confirm(self, progress: Progress, last: int, source: RowSource) -> None:
        if self._pending:
            self.port.submit(self._pending)
            progress.taken += len(self._pending)
            self._pending = []
        progress.row = last
        self.report.flush()
        self._save(progress)
        if self.on_rows is not None:
            self.on_rows(self._read, source.progress())

    def _fail(self, progress: Progress, problem: RecordProblem) -> None:
        description: dict[str, Any] = {
            "file": self.label, "sha256": self.digest, "code": problem.code,
            "message": problem.message, "rows_taken": progress.taken,
            "rows_refused": progress.refused,
        }
        body = json.dumps(description, ensure_ascii=False).encode()
        self.port.reject(
            body, RecordProblem(problem.code, problem.message, "file"),
            record_type=self.record_type, content_type="application/json",
            source_message_id=self.label,
        )
        self.report.add(None, problem)
        progress.failure = {"code": problem.code, "message": problem.message}

    def _save(self, progress: Progress) -> None:
        self.port.checkpoints.put(self._key, progress.to_json())
