"""CSV batches: streamed line by line, decoded per line, so one bad row costs one row.

Contract (see :mod:`adapters.file.file_rows` for what is yielded):
- the first line is the header, mapped through a :class:`~adapters.file.columns.ColumnMap`
  (header cells are trimmed); blank lines are skipped;
- the encoding is configured (UTF-8 by default; a UTF-8 byte-order mark is skipped). Bytes that
  do not decode fail their own row with ``adapter.encoding`` naming the line and byte; a header
  that does not decode, or a wrong declaration caught by :mod:`adapters.file.encodings`, fails
  the whole file;
- a row with more or fewer cells than the header is ``adapter.row_invalid`` (extra cells are
  tolerated only when empty: a trailing delimiter);
- the csv module's own errors (a field beyond its size limit, usually an unbalanced quote) end
  the file with ``adapter.malformed`` at the line reached.

Memory stays constant: one record's lines are held at a time. Lines are split on ``\\n`` before
decoding, which is safe for UTF-8, GBK and GB18030 (a byte 0x0A never occurs inside a character).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from adapters.file.columns import ColumnMap
from adapters.file.encodings import UTF8_BOM, codec_for, display, utf8_in_disguise
from adapters.file.file_rows import FileUnusable, Row, row_problem
from adapters.sdk.regular_files import open_regular
from transforms.charsets import UTF8

_SAMPLE = 64 * 1024


class _Lines:
    """The file's physical lines as text for :mod:`csv`, keeping each record's bytes and the
    first decoding failure among them."""

    def __init__(self, stream: BinaryIO, codec: str, offset: int) -> None:
        self._stream = stream
        self._codec = codec
        self.consumed = offset
        self.count = 0
        self.raw: list[bytes] = []
        self.failure: str | None = None

    def __iter__(self) -> Iterator[str]:
        for line in self._stream:
            self.count += 1
            self.consumed += len(line)
            self.raw.append(line)
            try:
                yield line.decode(self._codec)
            except UnicodeDecodeError as e:
                if self.failure is None:
                    self.failure = (
                        f"line {self.count}, byte {e.start + 1} (0x{line[e.start]:02X}) cannot be "
                        f"read as {display(self._codec)}")
                yield line.decode(self._codec, errors="replace")

    def take(self) -> tuple[bytes, str | None]:
        """The current record's bytes and decoding failure; starts the next record."""
        raw, failure = b"".join(self.raw), self.failure
        self.raw, self.failure = [], None
        return raw, failure


class CsvRows:
    """A CSV batch (see module doc). ``encoding`` is any label :func:`codec_for` accepts."""

    def __init__(
        self,
        path: Path,
        *,
        encoding: str = "utf-8",
        columns: ColumnMap | None = None,
        delimiter: str = ",",
    ) -> None:
        self.path = path
        self.codec = codec_for(encoding)
        self.columns = columns or ColumnMap.identity()
        self.delimiter = delimiter
        self.record_content_type = "application/json"
        self.raw_content_type = f"text/csv; charset={display(self.codec)}"
        self._size = 0
        self._lines: _Lines | None = None

    def progress(self) -> float | None:
        if self._lines is None or not self._size:
            return None
        return min(1.0, self._lines.consumed / self._size)

    def rows(self) -> Iterator[Row]:
        with open_regular(self.path) as stream:
            self._size = os.fstat(stream.fileno()).st_size
            offset = self._check_encoding(stream.read(_SAMPLE))
            stream.seek(offset)
            lines = self._lines = _Lines(stream, self.codec, offset)
            reader = csv.reader(lines, delimiter=self.delimiter)
            try:
                yield from self._records(reader, lines)
            except csv.Error as e:
                raise FileUnusable(
                    "adapter.malformed", f"line {reader.line_num}: {e} (an unbalanced quote?)"
                ) from e

    def _check_encoding(self, sample: bytes) -> int:
        """Where the text starts (after a byte-order mark); FileUnusable for a wrong encoding."""
        if sample.startswith(UTF8_BOM):
            if self.codec != UTF8:
                raise FileUnusable(
                    "adapter.encoding", f"the file starts with a UTF-8 byte-order mark but is "
                    f"declared {display(self.codec)}")
            return len(UTF8_BOM)
        if self.codec != UTF8 and utf8_in_disguise(sample):
            raise FileUnusable(
                "adapter.encoding",
                f"the file is declared {display(self.codec)} but its bytes are UTF-8 text")
        return 0

    def _records(self, reader: Iterator[list[str]], lines: _Lines) -> Iterator[Row]:
        header = next(reader, None)
        _, failure = lines.take()
        if header is None:
            raise FileUnusable("adapter.malformed", "the file is empty: no header line")
        if failure is not None:
            raise FileUnusable("adapter.encoding", f"the header cannot be read: {failure}")
        layout = self.columns.plan([cell.strip() for cell in header])
        start = lines.count + 1
        for cells in reader:
            number, (raw, failure) = start, lines.take()
            start = lines.count + 1
            if not cells:
                continue
            if failure is not None:
                yield Row(number, row_problem("adapter.encoding", number, failure), raw)
            elif len(cells) < layout.width or any(c.strip() for c in cells[layout.width:]):
                message = f"the row has {len(cells)} cells, the header {layout.width}"
                yield Row(number, row_problem("adapter.row_invalid", number, message), raw)
            else:
                yield Row(number, layout.record(cells), raw)

