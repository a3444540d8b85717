"""The per-row error report of one import: a CSV an operator or the department can open.

Columns ``row, field, code, reason``: the row number as the reader counts it (see
:mod:`adapters.file.file_rows`), the unified field when one is at fault, the reason code and the
message. A problem with the whole file has an empty row. Written in UTF-8 with a byte-order
mark, so Excel shows the Chinese text correctly.

Crash safety: the import flushes the report before each checkpoint. A resumed import opens it
with ``keep_through`` set to the checkpoint's row, which drops lines about later rows (they
will be read and reported again) so each row is reported once.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TextIO

from adapters.file.file_rows import problem_field
from adapters.sdk.adapter_errors import RecordProblem

HEADER = ("row", "field", "code", "reason")


class ErrorReport:
    """An open report at ``path`` (parent folder must exist). ``count``: problems in it."""

    def __init__(self, path: Path, *, keep_through: int | None = None) -> None:
        self.path = path
        self.count = 0
        if keep_through is not None and path.exists():
            self._keep(keep_through)
            self._file: TextIO = path.open("a", encoding="utf-8", newline="")
            self._writer = csv.writer(self._file)
        else:
            self._file = path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._file)
            self._writer.writerow(HEADER)

    def _keep(self, through: int) -> None:
        """Rewrite the existing report with only its lines about rows up to ``through``,
        streaming (a report can be as long as the file)."""
        partial = self.path.with_name(self.path.name + ".part")
        with (
            self.path.open(encoding="utf-8-sig", newline="") as old,
            partial.open("w", encoding="utf-8-sig", newline="") as new,
        ):
            writer = csv.writer(new)
            writer.writerow(HEADER)
            for line in csv.reader(old):
                if line and line[0].isdigit() and int(line[0]) <= through:
                    writer.writerow(line)
                    self.count += 1
        os.replace(partial, self.path)

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
