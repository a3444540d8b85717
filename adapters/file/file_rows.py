"""What a batch reader yields, and how it says that a whole file is unusable.

A reader yields one :class:`Row` per record, in file order, with strictly increasing numbers:
the physical line where a CSV record starts (the header is line 1), the sheet row of an xlsx
record, the ordinal (from 1) of an XML record element. Numbers are what an operator sees in a
text editor or Excel, and what the import's checkpoint counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol

from adapters.sdk.adapter_errors import PermanentError, RecordProblem

#: A record in unified field names (CSV, xlsx) or one record's own document (XML batches).
RecordValue = dict[str, Any] | bytes


class Row(NamedTuple):
    """One record of a batch file.

    ``value`` is the record, or the problem that makes it unusable. ``raw`` is the record as the
    file holds it (the CSV lines, the xlsx cells as JSON, the XML element), to quarantine with
    the problem so nothing the department sent is lost.
    """

    number: int
    value: RecordValue | RecordProblem
    raw: bytes


class FileUnusable(PermanentError):
    """The file cannot be read (corrupt, wrong encoding, no usable header, malformed XML).

    Permanent: reading it again gives the same answer, so the file is quarantined with
    :attr:`problem`.

    Raised by a reader's iterator, possibly after some rows were yielded (a truncated XML
    batch): what came before stays valid, nothing after it can be read.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.problem = RecordProblem(code, message, "")


class RowSource(Protocol):
    """A batch file opened for reading; :meth:`rows` may be iterated once."""

    #: Content type of a yielded ``bytes`` record (XML batches).
    record_content_type: str
    #: Content type of ``Row.raw``, for quarantining a refused row.
    raw_content_type: str

    def rows(self) -> Iterator[Row]:
        """The file's records in order; raises :class:`FileUnusable` when it cannot go on."""

    def progress(self) -> float | None:
        """How much of the file was read, from 0 to 1; None when it cannot tell."""


def row_problem(code: str, row: int, message: str, field: str = "") -> RecordProblem:
    """A problem located at ``row N`` or ``row N/field`` (the port's path convention)."""
    return RecordProblem(code, message, f"row {row}/{field}" if field else f"row {row}")


def problem_field(problem: RecordProblem) -> str:
    """The field part of a ``row N/field`` path ("" when the whole row is at fault)."""
    _, _, field = problem.path.partition("/")
    return field

