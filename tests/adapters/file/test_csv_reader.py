"""CSV batches: encodings, the column map, and one problem per bad row with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.file.columns import ColumnMap, ColumnRule
from adapters.file.csv_reader import CsvRows
from adapters.file.file_rows import FileUnusable, Row
from adapters.sdk import RecordProblem
from tests.adapters.file.support import (
    COLUMNS,
    HEADERS,
    LICENCE,
    cells,
    csv_text,
    licence,
    write_licences,
)


def _rows(path: Path, **options: object) -> list[Row]:
    return list(CsvRows(path, columns=COLUMNS, **options).rows())  # type: ignore[arg-type]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "gb18030"])
def test_a_licence_csv_becomes_unified_records_in_any_accepted_encoding(
    tmp_path: Path, encoding: str
) -> None:
    path = write_licences(tmp_path / "l.csv", 2, encoding=encoding)
    rows = _rows(path, encoding=encoding)
    assert [r.number for r in rows] == [2, 3]
    assert rows[0].value == licence(1)
    assert isinstance(rows[1].value, dict)
    assert rows[1].value["party"]["credit_code"] == LICENCE["party"]["credit_code"]


def test_a_utf8_byte_order_mark_is_skipped_not_read_into_the_first_header(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([cells(licence(1))]).encode())
    assert _rows(path, encoding="utf-8-sig")[0].value == licence(1)
    assert _rows(path)[0].value == licence(1)


def test_a_bom_in_a_file_declared_gbk_fails_the_file_as_an_encoding_problem(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([cells(licence(1))]).encode())
    with pytest.raises(FileUnusable) as caught:
        _rows(path, encoding="gbk")
    assert caught.value.problem.code == "adapter.encoding"
    assert "byte-order mark" in caught.value.problem.message


def test_a_utf8_file_declared_gbk_is_refused_whole_instead_of_imported_garbled(
    tmp_path: Path,
) -> None:
    path = write_licences(tmp_path / "l.csv", 3, encoding="utf-8")
    with pytest.raises(FileUnusable) as caught:
        _rows(path, encoding="gbk")
    assert caught.value.problem.code == "adapter.encoding"
    assert "UTF-8" in caught.value.problem.message


def test_a_gbk_file_declared_utf8_fails_at_its_header(tmp_path: Path) -> None:
    path = write_licences(tmp_path / "l.csv", 3, encoding="gbk")
    with pytest.raises(FileUnusable) as caught:
        _rows(path)
    assert caught.value.problem.code == "adapter.encoding"
    assert "header" in caught.value.problem.message and "line 1" in caught.value.problem.message


def test_undecodable_bytes_fail_only_their_row_naming_line_and_byte(tmp_path: Path) -> None:
    path = write_licences(tmp_path / "l.csv", 3, encoding="gbk")
    data = path.read_bytes().split(b"\r\n")
    data[2] = b"\x80" + data[2]  # 0x80 starts no GBK character
    path.write_bytes(b"\r\n".join(data))
    rows = _rows(path, encoding="gbk")
    assert [r.number for r in rows] == [2, 3, 4]
    problem = rows[1].value
    assert problem == RecordProblem(
        "adapter.encoding", "line 3, byte 1 (0x80) cannot be read as GBK", "row 3")
    assert rows[1].raw.startswith(b"\x80") and rows[1].raw.endswith(b"\r\n")
    assert rows[0].value == licence(1) and rows[2].value == licence(3)


def test_a_row_with_missing_columns_is_refused_with_its_line_and_the_rest_is_read(
    tmp_path: Path,
) -> None:
    path = write_licences(tmp_path / "l.csv", 3, bad_rows={2: ["上海某公司", "法人及非法人组织"]})
    rows = _rows(path)
    assert rows[1].value == RecordProblem(
        "adapter.row_invalid", f"the row has 2 cells, the header {len(HEADERS)}", "row 3")
    assert rows[1].raw == "上海某公司,法人及非法人组织\r\n".encode()
    assert isinstance(rows[2].value, dict)


def test_extra_non_empty_cells_are_refused_but_a_trailing_delimiter_is_not(tmp_path: Path) -> None:
    good = cells(licence(1))
    path = write_licences(tmp_path / "l.csv", 2, bad_rows={1: [*good, ""], 2: [*good, "多余"]})
    first, second = _rows(path)
    assert first.value == licence(1)
    assert isinstance(second.value, RecordProblem) and second.value.code == "adapter.row_invalid"


def test_a_quoted_field_spanning_lines_is_one_row_numbered_where_it_starts(tmp_path: Path) -> None:
    record = licence(1)
    record["content"] = "热食类食品制售\n冷食类食品制售"
    path = tmp_path / "l.csv"
    path.write_bytes(csv_text([cells(record), cells(licence(2))]).encode())
    rows = _rows(path)
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].value == record


def test_blank_lines_and_empty_cells_leave_nothing_behind(tmp_path: Path) -> None:
    record = licence(1)
    del record["certificate_name"]
    path = tmp_path / "l.csv"
    path.write_bytes((csv_text([cells(record)]) + "\r\n\r\n").encode())
    assert [r.value for r in _rows(path)] == [record]


def test_a_header_missing_from_the_map_refuses_the_file_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(csv_text([[*cells(licence(1)), "7"]], [*HEADERS, "内部序号"]).encode())
    with pytest.raises(FileUnusable, match="内部序号"):
        _rows(path)
    ignoring = ColumnMap(columns=COLUMNS.columns, ignore=["内部序号"])
    assert next(CsvRows(path, columns=ignoring).rows()).value == licence(1)


def test_without_a_map_headers_are_field_paths_and_split_makes_lists(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("party.name,party.credit_code,penalty_categories\n甲,91310112087994932F,"
                    "罚款; 警告\n", encoding="utf-8")
    assert next(CsvRows(path).rows()).value == {
        "party": {"name": "甲", "credit_code": "91310112087994932F"},
        "penalty_categories": "罚款; 警告",
    }
    split = ColumnMap(
        columns={"penalty_categories": ColumnRule(field="penalty_categories", split=";")},
        unmapped="as-is")
    record = next(CsvRows(path, columns=split).rows()).value
    assert isinstance(record, dict) and record["penalty_categories"] == ["罚款", "警告"]


def test_an_empty_file_is_refused_as_having_no_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(FileUnusable, match="no header"):
        _rows(path)
