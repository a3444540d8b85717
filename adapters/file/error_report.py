"""The per-row error report of one import: a CSV an operator or the department can open.

Columns ``row, field, code, reason``: the row number as the reader counts it (see
:mod:`adapters.file.file_rows`), the unified field when one is at fault, the reason code and the
message. A problem with the whole file has an empty row. Written in UTF-8 with a byte-order
mark, so Excel shows the Chinese text correctly.

Crash safety: the import flushes the report before each checkpoint. A resumed import opens it
with ``keep_through`` set to the checkpoint's row, which drops lines about later rows (they
will be read and reported again) so each row is reported once.

The report is created with ``mode`` (0600 unless configured) as a new file renamed into place
(:func:`~adapters.sdk.regular_files.open_partial`), so a link planted at its name is replaced,
never written through; the old report a resumed import keeps lines of is read only if it is a
regular file (a planted link or FIFO there is ignored: the report starts over).
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from adapters.file.file_rows import problem_field
from adapters.sdk.adapter_errors import RecordProblem
from adapters.sdk.regular_files import (
    PRIVATE,
    NotRegularFile,
    discard,
    open_partial,
    open_regular,
)

HEADER = ("row", "field", "code", "reason")


class ErrorReport:
    """An open report at ``path`` (parent folder must exist). ``count``: problems in it."""

    def __init__(self, path: Path, *, keep_through: int | None = None, mode: int = PRIVATE) -> None:
        self.path = path
        self.count = 0
        old = self._old(path) if keep_through is not None else None
        # The kept lines are copied under a temporary name and renamed into place after, so a
        # crash while copying leaves the old report whole.
        stream, partial = open_partial(path, mode)
        self._file = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            self._writer = csv.writer(self._file)
            self._writer.writerow(HEADER)
            if old is not None:
                self._keep(old, keep_through or 0)
                self.flush()
            os.replace(partial, path)
        except BaseException:
            self._file.close()
            discard(partial)
            raise
        finally:
            if old is not None:
                old.close()

    @staticmethod
    def _old(path: Path) -> io.TextIOWrapper | None:
        """The report a resumed import left, open for reading; None if there is none (or
        something other than a regular file stands at its name)."""
        try:
            return io.TextIOWrapper(open_regular(path), encoding="utf-8-sig", newline="")
        except (FileNotFoundError, NotRegularFile):
            return None

    def _keep(self, old: io.TextIOWrapper, through: int) -> None:
        """Copy the old report's lines about rows up to ``through``, streaming (a report can
        be as long as the file)."""
        for line in csv.reader(old):
            if line and line[0].isdigit() and int(line[0]) <= through:
                self._writer.writerow(line)
                self.count += 1

    def add(self, row: int | None, problem: RecordProblem) -> None:
        """Record one problem (``row`` None: the whole file)."""
        self._writer.writerow(
            ["" if row is None else row, problem_field(problem), problem.code, problem.message]
        )
        self.count += 1

    def flush(self) -> None:
        """Make what was written durable (called before each checkpoint)."""
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            self._file.close()
