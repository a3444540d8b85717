"""xlsx batches: cell values as text, Excel errors and stray cells per row, damaged files whole."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from adapters.file.file_rows import FileUnusable
from adapters.file.xlsx_reader import XlsxRows
from adapters.sdk import RecordProblem
from tests.adapters.file.support import COLUMNS, HEADERS, cells, licence


def _workbook(path: Path, rows: list[list[Any]], *, title: str = "许可") -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_each_sheet_row_becomes_a_record_numbered_as_excel_shows_it(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "l.xlsx", [cells(licence(1)), [], cells(licence(2))])
    rows = list(XlsxRows(path, columns=COLUMNS).rows())
    assert [r.number for r in rows] == [2, 4]
    assert [r.value for r in rows] == [licence(1), licence(2)]


def test_dates_numbers_and_booleans_become_the_text_the_standard_expects(tmp_path: Path) -> None:
    row: list[Any] = cells(licence(1))
    row[HEADERS.index("许可决定日期")] = datetime.datetime(2026, 11, 2)
    row[HEADERS.index("有效期至")] = datetime.date(2031, 11, 1)
    row[HEADERS.index("当前状态")] = 1
    row[HEADERS.index("许可编号")] = 0.2
    path = _workbook(tmp_path / "l.xlsx", [row])
    (only,) = XlsxRows(path, columns=COLUMNS).rows()
    assert isinstance(only.value, dict)
    assert only.value["decision_date"] == "2026-11-02"
    assert only.value["valid_to"] == "2031-11-01"
    assert only.value["status"] == "1"
    assert only.value["licence_number"] == "0.2"


def test_an_excel_error_cell_fails_its_row_at_the_field(tmp_path: Path) -> None:
    row = cells(licence(1))
    row[HEADERS.index("统一社会信用代码")] = "#N/A"
    path = _workbook(tmp_path / "l.xlsx", [row, cells(licence(2))])
    first, second = XlsxRows(path, columns=COLUMNS).rows()
    assert first.value == RecordProblem(
        "adapter.row_invalid", "the cell holds the Excel error #N/A", "row 2/party.credit_code")
    assert b'"row": 2' in first.raw and "许可编号".encode() in first.raw
    assert second.value == licence(2)


def test_a_value_beyond_the_header_fails_its_row(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "l.xlsx", [[*cells(licence(1)), "多余"]])
    (only,) = XlsxRows(path, columns=COLUMNS).rows()
    assert isinstance(only.value, RecordProblem) and only.value.code == "adapter.row_invalid"
    assert "column 19" in only.value.message


def test_a_named_sheet_is_read_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "l.xlsx", [cells(licence(1))], title="许可")
    assert len(list(XlsxRows(path, columns=COLUMNS, sheet="许可").rows())) == 1
    with pytest.raises(FileUnusable, match="no sheet named '处罚'"):
        list(XlsxRows(path, columns=COLUMNS, sheet="处罚").rows())


def test_a_file_that_is_not_a_workbook_is_one_malformed_problem(tmp_path: Path) -> None:
    path = tmp_path / "l.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0 this is an old .xls, or anything else")
    with pytest.raises(FileUnusable) as caught:
        list(XlsxRows(path).rows())
    assert caught.value.problem.code == "adapter.malformed"
    assert "not a readable xlsx workbook" in caught.value.problem.message


def test_a_truncated_workbook_is_one_malformed_problem(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "l.xlsx", [cells(licence(n)) for n in range(50)])
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(FileUnusable) as caught:
        list(XlsxRows(path).rows())
    assert caught.value.problem.code == "adapter.malformed"


def test_a_zip_without_a_workbook_is_one_malformed_problem(tmp_path: Path) -> None:
    path = tmp_path / "l.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    with pytest.raises(FileUnusable) as caught:
        list(XlsxRows(path).rows())
    assert caught.value.problem.code == "adapter.malformed"


def test_a_damaged_sheet_part_stops_the_file_with_a_malformed_problem(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "l.xlsx", [cells(licence(n)) for n in range(1, 4)])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3]  # cut inside the rows
            target.writestr(item, data)
    with pytest.raises(FileUnusable) as caught:
        list(XlsxRows(broken, columns=COLUMNS).rows())
    assert caught.value.problem.code == "adapter.malformed"
    assert "damaged after row" in caught.value.problem.message
