"""One file's import: confirmed chunks, the checkpoint after each, resume, and the report."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest

from adapters.file.csv_reader import CsvRows
from adapters.file.error_report import ErrorReport
from adapters.file.importer import FileImport, Progress, checkpoint_key, file_digest
from adapters.file.xml_reader import XmlRows
from adapters.sdk import InboundRecord, TransientError
from adapters.testing import MemoryCheckpoints, RecordingPort
from tests.adapters.file.support import COLUMNS, as_port, licence, write_licences


class CrashingPort(RecordingPort):
    """Fails the ``crash_on``-th submit; with ``published`` the records reach the hub first
    (the worst case: confirmed by the broker, the checkpoint not yet saved)."""

    def __init__(self, checkpoints: MemoryCheckpoints, crash_on: int, published: bool) -> None:
        super().__init__(checkpoints=checkpoints)
        self.calls, self.crash_on, self.published = 0, crash_on, published

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        self.calls += 1
        if self.calls == self.crash_on:
            if self.published:
                super().submit(records)
            raise TransientError("the process died here (test)")
        return super().submit(records)


def _run(port: RecordingPort, path: Path, progress: Progress | None = None,
         chunk_size: int = 3) -> Progress:
    digest = file_digest(path)
    report_path = path.with_name(path.name + ".errors.csv")
    start = progress or Progress(path.name)
    report = ErrorReport(report_path, keep_through=start.row if start.row else None)
    try:
        return FileImport(
            as_port(port), record_type="administrative_licence", label=path.name, digest=digest,
            report=report, chunk_size=chunk_size,
        ).run(CsvRows(path, columns=COLUMNS), start)
    finally:
        report.close()


def _saved(port: RecordingPort, path: Path) -> Progress:
    saved = port.checkpoints.get(checkpoint_key(file_digest(path)))
    assert saved is not None
    return Progress.from_json(saved)


def _report(path: Path) -> list[list[str]]:
    with path.with_name(path.name + ".errors.csv").open(encoding="utf-8-sig") as report:
        return list(csv.reader(report))


def test_rows_are_submitted_in_chunks_with_ids_naming_file_and_row(tmp_path: Path) -> None:
    path = write_licences(tmp_path / "l.csv", 7)
    port = RecordingPort()
    progress = _run(port, path)
    assert [r.source_message_id for r in port.submitted] == [f"l.csv#{n}" for n in range(2, 9)]
    assert json.loads(port.submitted[0].body) == licence(1)
    assert port.submitted[0].content_type == "application/json"
    assert (progress.taken, progress.refused, progress.row, progress.done) == (7, 0, 8, True)
    assert _saved(port, path) == progress
    assert _report(path) == [["row", "field", "code", "reason"]]


def test_bad_rows_are_quarantined_with_their_bytes_and_listed_in_the_report(
    tmp_path: Path,
) -> None:
    path = write_licences(tmp_path / "l.csv", 4, bad_rows={3: ["只有一列"]})
    port = RecordingPort()
    progress = _run(port, path)
    (rejected,) = port.rejected
    assert rejected.body == "只有一列\r\n".encode()
    assert rejected.problem.path == "row 4" and rejected.problem.code == "adapter.row_invalid"
    assert rejected.source_message_id == "l.csv#4"
    assert rejected.content_type == "text/csv; charset=UTF-8"
    assert (progress.taken, progress.refused) == (3, 1)
    assert _report(path)[1] == ["4", "", "adapter.row_invalid", "the row has 1 cells, the header 18"]


@pytest.mark.parametrize("published", [False, True], ids=["before-publish", "after-publish"])
def test_a_crash_mid_file_resumes_after_the_last_confirmed_chunk(
    tmp_path: Path, published: bool
) -> None:
    path = write_licences(tmp_path / "l.csv", 10, bad_rows={2: ["坏行"]})
    checkpoints = MemoryCheckpoints()
    crashed = CrashingPort(checkpoints, crash_on=3, published=published)
    with pytest.raises(TransientError):
        _run(crashed, path)
    assert _saved(crashed, path).row == 7, "two chunks of three rows (lines 2-7) were confirmed"
    resumed = RecordingPort(checkpoints=checkpoints)
    progress = _run(resumed, path, _saved(crashed, path))
    assert progress.done and progress.row == 11
    ids = Counter(r.source_message_id for r in [*crashed.submitted, *resumed.submitted])
    assert set(ids) == {f"l.csv#{n}" for n in range(2, 12) if n != 3}
    repeated = {ident for ident, count in ids.items() if count > 1}
    assert repeated == ({"l.csv#8", "l.csv#9", "l.csv#10"} if published else set())
    assert resumed.submitted[0].source_message_id == "l.csv#8"
    assert len(crashed.rejected) == 1 and resumed.rejected == []
    assert [line[0] for line in _report(path)[1:]] == ["3"], "the bad row is reported once"


def test_a_file_that_breaks_part_way_keeps_what_came_before_and_is_refused_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "b.xml"
    path.write_text("<b>" + "".join(f"<ROW><A>{n}</A></ROW>" for n in range(5)) + "<ROW><A>",
                    encoding="utf-8")
    port = RecordingPort()
    report = ErrorReport(tmp_path / "b.errors.csv")
    progress = FileImport(
        as_port(port), record_type="administrative_licence", label="b.xml", digest="d" * 64,
        report=report, chunk_size=2,
    ).run(XmlRows(path, record_element="ROW"), Progress("b.xml"))
    report.close()
    assert len(port.submitted) == 5 and progress.taken == 5
    assert port.submitted[0].content_type == "application/xml; charset=utf-8"
    (rejected,) = port.rejected
    description = json.loads(rejected.body)
    assert description["file"] == "b.xml" and description["rows_taken"] == 5
    assert rejected.problem.code == "adapter.malformed" and rejected.problem.path == "file"
    assert progress.done and progress.failure is not None
    assert progress.failure["code"] == "adapter.malformed"


def test_stopping_between_chunks_leaves_a_resumable_checkpoint(tmp_path: Path) -> None:
    path = write_licences(tmp_path / "l.csv", 9)
    port = RecordingPort()
    report = ErrorReport(tmp_path / "r.csv")
    progress = FileImport(
        as_port(port), record_type="administrative_licence", label="l.csv", digest=file_digest(path),
        report=report, chunk_size=4, should_stop=lambda: True,
    ).run(CsvRows(path, columns=COLUMNS), Progress("l.csv"))
    report.close()
    assert (progress.done, progress.row, len(port.submitted)) == (False, 5, 4)
