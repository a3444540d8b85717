"""Choosing and opening the reader for a batch file: one set of options for every format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from adapters.file.columns import ColumnMap
from adapters.file.csv_reader import CsvRows
from adapters.file.file_rows import RowSource
from adapters.file.xlsx_reader import XlsxRows
from adapters.file.xml_reader import XmlRows

Format = Literal["csv", "xlsx", "xml"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx", "xml")
_EXTENSIONS: dict[str, Format] = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xml": "xml"}


def format_of(path: Path) -> Format | None:
    """The format a file's extension names (case-insensitive), or None."""
    return _EXTENSIONS.get(path.suffix.lower())


@dataclass(frozen=True)
class ReadOptions:
    """How to read a batch. ``encoding`` None: UTF-8 for CSV, the document's own for XML.
    ``record_element`` is the repeated XML element (usually the record type or ``ROW``)."""

    format: Format
    record_element: str
    encoding: str | None = None
    columns: ColumnMap | None = None
    delimiter: str = ","
    sheet: str | None = None
    wrap: str | None = None


def open_rows(path: Path, options: ReadOptions) -> RowSource:
    """The reader for ``path``; ValueError for an encoding no reader accepts."""
    if options.format == "csv":
        return CsvRows(
            path, encoding=options.encoding or "utf-8", columns=options.columns,
            delimiter=options.delimiter,
        )
    if options.format == "xlsx":
        return XlsxRows(path, columns=options.columns, sheet=options.sheet)
    return XmlRows(
        path, record_element=options.record_element, wrap=options.wrap, encoding=options.encoding
    )
