"""Excel (xlsx) batches, streamed with openpyxl's read-only mode.

Contract (see :mod:`adapters.file.file_rows` for what is yielded):
- one sheet is read (``sheet`` by name, else the first); its first row is the header, mapped
  through a :class:`~adapters.file.columns.ColumnMap` (header cells trimmed, trailing empty ones
  dropped); rows with no value at all are skipped;
- cells become text: dates ``YYYY-MM-DD`` (date-times ISO 8601 when they carry a time), whole
  numbers without a decimal point, other numbers in plain notation (never an exponent), booleans
  ``true``/``false``. Formulas give their cached value (what Excel last showed);
- a cell holding an Excel error (``#N/A``, ``#REF!``...) fails its row with
  ``adapter.row_invalid`` at ``row N/<field>``; so does a value beyond the header's last column;
- a file that is not a readable workbook (not a zip, a damaged archive, a missing part, a sheet
  that is not there, XML openpyxl refuses) is one ``adapter.malformed`` problem for the file.

Memory: openpyxl streams the sheet's XML; the workbook's shared-strings table is loaded whole
(the format keeps every distinct text there), which bounds what a very large workbook costs.
The sheet's declared dimensions are ignored when reading (a wrong ``<dimension>`` would
otherwise cut rows off) and used only to estimate progress. openpyxl parses with defusedxml when
it is installed, refusing DTDs and entity declarations in the workbook's parts.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from adapters.file.columns import ColumnMap, Layout
from adapters.file.file_rows import FileUnusable, Row, row_problem
from adapters.sdk.regular_files import open_regular

#: What Excel shows in a cell whose formula failed.
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)


class XlsxRows:
    """An xlsx batch (see module doc)."""

    def __init__(
        self, path: Path, *, columns: ColumnMap | None = None, sheet: str | None = None
    ) -> None:
        self.path = path
        self.columns = columns or ColumnMap.identity()
        self.sheet = sheet
        self.record_content_type = "application/json"
        self.raw_content_type = "application/json"
        self._row = 0
        self._estimate: int | None = None

    def progress(self) -> float | None:
        if not self._estimate:
            return None
        return min(1.0, self._row / self._estimate)

    def rows(self) -> Iterator[Row]:
        # openpyxl parses untrusted bytes: a damaged workbook surfaces as whatever the zip, XML
        # or cell layer happens to raise (BadZipFile, KeyError, ParseError, ValueError, even
        # TypeError), so any failure while reading is the file's, reported and never retried.
        # Opened here, not by openpyxl: only a regular file is read (NotRegularFile otherwise).
        with open_regular(self.path) as stream:
            try:
                workbook = load_workbook(stream, read_only=True, data_only=True)
            except OSError:
                raise  # the file could not be read at all: the caller's (transient) problem
            except Exception as e:  # see above
                raise FileUnusable(
                    "adapter.malformed", f"not a readable xlsx workbook: {_say(e)}") from e
            try:
                yield from self._sheet_rows(workbook)
            except (FileUnusable, OSError):
                raise
            except Exception as e:  # see above
                raise FileUnusable(
                    "adapter.malformed", f"the workbook is damaged after row {self._row}: {_say(e)}"
                ) from e
            finally:
                workbook.close()

    def _sheet_rows(self, workbook: Any) -> Iterator[Row]:
        if self.sheet is not None and self.sheet not in workbook.sheetnames:
            raise FileUnusable(
                "adapter.malformed",
                f"no sheet named {self.sheet!r}; the workbook has {workbook.sheetnames}")
        sheet = workbook[self.sheet] if self.sheet is not None else workbook.worksheets[0]
        self._estimate = sheet.max_row if isinstance(sheet.max_row, int) else None
        sheet.reset_dimensions()
        values = sheet.iter_rows(values_only=True)
        header = next(values, None)
        self._row = 1
        if header is None:
            raise FileUnusable("adapter.malformed", f"sheet {sheet.title!r} is empty: no header row")
        layout = self.columns.plan([_text(cell).strip() for cell in header])
        for number, cells in enumerate(values, start=2):
            self._row = number
            if all(cell is None or cell == "" for cell in cells):
                continue
            yield self._row_of(number, layout, cells, sheet.title)

    def _row_of(self, number: int, layout: Layout, cells: Sequence[Any], title: str) -> Row:
        texts = [_text(cell) for cell in cells]
        raw = json.dumps(
            {"sheet": title, "row": number, "cells": _labelled(layout, texts)}, ensure_ascii=False
        ).encode("utf-8")
        for index, text in enumerate(texts):
            if index >= layout.width and text.strip():
                message = f"column {index + 1} holds {text!r} but the header has {layout.width}"
                return Row(number, row_problem("adapter.row_invalid", number, message), raw)
            if text in EXCEL_ERRORS and index < layout.width:
                field = layout.field_of(index)
                message = f"the cell holds the Excel error {text}"
                return Row(number, row_problem("adapter.row_invalid", number, message, field), raw)
        texts += [""] * (layout.width - len(texts))
        return Row(number, layout.record(texts), raw)


def _labelled(layout: Layout, texts: list[str]) -> dict[str, str]:
    labels = [*layout.headers, *(f"column {i + 1}" for i in range(layout.width, len(texts)))]
    return {label: text for label, text in zip(labels, texts, strict=False) if text}


def _text(value: Any) -> str:
    """A cell's value as text (see module doc)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value)


def _say(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
