"""``file-drop`` on a real folder: completeness, the folder lifecycle, crash and resume."""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from adapters.file.drop import FileDropAdapter
from adapters.file.drop_config import FileDropConfig
from adapters.file.export import FileExportAdapter
from adapters.registry import AdapterRegistry
from adapters.sdk import InboundRecord, TransientError
from adapters.testing import MemoryCheckpoints, RecordingPort
from tests.adapters.file.support import (
    COLUMNS,
    LAYOUT,
    as_port,
    licence,
    write_licences,
)


def _adapter(folder: Path, port: RecordingPort, **options: Any) -> FileDropAdapter:
    settings: dict[str, Any] = {
        "kind": "file-drop", "folder": folder, "record_type": "administrative_licence",
        "columns": {"columns": LAYOUT}, "complete_when": "marker", "chunk_size": 3,
        **options,
    }
    return FileDropAdapter(FileDropConfig.model_validate(settings), system="market",
                           port=as_port(port))


def _drop(folder: Path, name: str, count: int, **options: Any) -> Path:
    path = write_licences(folder / name, count, **options)
    (folder / f"{name}.done").touch()
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def test_a_complete_file_is_imported_and_moved_to_done_with_its_report(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port)
    _drop(tmp_path, "licences.csv", 4, bad_rows={2: ["坏行"]})
    assert adapter.poll_once() == 3
    assert [json.loads(r.body)["licence_number"] for r in port.submitted] == [
        licence(n)["licence_number"] for n in (1, 3, 4)]
    assert port.rejected[0].source_message_id == "licences.csv#3"
    assert _names(tmp_path) == []
    data, report = _names(tmp_path / "done")
    assert data.endswith("-licences.csv") and report == f"{data}.errors.csv"
    with (tmp_path / "done" / report).open(encoding="utf-8-sig") as lines:
        assert [line[:3] for line in csv.reader(lines)][1:] == [["3", "", "adapter.row_invalid"]]
    assert adapter.health().ok


def test_a_file_without_its_marker_is_not_taken(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port)
    write_licences(tmp_path / "licences.csv", 2)
    assert adapter.poll_once() == 0
    assert _names(tmp_path) == ["licences.csv"]
    (tmp_path / "licences.csv.done").touch()
    assert adapter.poll_once() == 2
    assert _names(tmp_path) == [], "the marker is removed with the file"


def test_a_file_still_growing_is_not_taken_until_it_stays_unchanged(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port, complete_when="stable", stable_seconds=0.3)
    path = write_licences(tmp_path / "licences.csv", 2)
    assert adapter.poll_once() == 0, "first sighting starts the clock"
    time.sleep(0.2)
    with path.open("ab") as more:
        more.write(write_licences(tmp_path / "x", 1, start=3).read_bytes().split(b"\r\n", 1)[1])
    (tmp_path / "x").unlink()
    time.sleep(0.2)
    assert adapter.poll_once() == 0, "it grew since the last poll"
    time.sleep(0.35)
    assert adapter.poll_once() == 3


def test_other_names_hidden_and_temporary_files_are_left_alone(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port)
    for name in ("notes.docx", ".licences.csv", "~$licences.xlsx", "licences.csv.part"):
        (tmp_path / name).write_text("x")
        (tmp_path / f"{name}.done").touch()
    assert adapter.poll_once() == 0
    assert "notes.docx" in _names(tmp_path) and port.rejected == []


def test_an_unusable_file_goes_to_failed_with_a_reason_and_the_source_hears_of_it(
    tmp_path: Path,
) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port)
    (tmp_path / "licences.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "licences.xlsx.done").touch()
    assert adapter.poll_once() == 0
    names = _names(tmp_path / "failed")
    assert len(names) == 3
    reason = json.loads((tmp_path / "failed" / next(n for n in names if n.endswith(".json")))
                        .read_text(encoding="utf-8"))
    assert reason["code"] == "adapter.malformed" and reason["file"] == "licences.xlsx"
    assert reason["rows_taken"] == 0
    (rejected,) = port.rejected
    assert rejected.problem.code == "adapter.malformed"
    assert rejected.source_message_id == "licences.xlsx"


def test_the_record_type_comes_from_the_file_name_when_not_configured(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port, record_type=None)
    _drop(tmp_path, "administrative_licence-20261128.csv", 1)
    _drop(tmp_path, "licences.csv", 1)
    assert adapter.poll_once() == 1
    assert port.submitted[0].record_type == "administrative_licence"
    (rejected,) = port.rejected
    assert rejected.problem.code == "adapter.unsupported" and "'licences'" in rejected.problem.message
    assert any(n.endswith("-licences.csv") for n in _names(tmp_path / "failed"))


class _DyingPort(RecordingPort):
    """Publishes the ``dies_on``-th chunk, then fails as a killed process would."""

    def __init__(self, checkpoints: MemoryCheckpoints, dies_on: int) -> None:
        super().__init__(checkpoints=checkpoints)
        self.calls, self.dies_on = 0, dies_on

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        self.calls += 1
        ids = super().submit(records)
        if self.calls == self.dies_on:
            raise TransientError("killed (test)")
        return ids


def test_after_a_crash_mid_file_the_next_adapter_resumes_it_without_repeating_confirmed_chunks(
    tmp_path: Path,
) -> None:
    checkpoints = MemoryCheckpoints()
    _drop(tmp_path, "licences.csv", 8)
    first = _DyingPort(checkpoints, dies_on=2)
    with pytest.raises(TransientError):
        _adapter(tmp_path, first).poll_once()
    assert len(_names(tmp_path / "processing")) == 1
    second = RecordingPort(checkpoints=checkpoints)
    assert _adapter(tmp_path, second).poll_once() == 5
    ids = Counter(r.source_message_id for r in [*first.submitted, *second.submitted])
    assert set(ids) == {f"licences.csv#{n}" for n in range(2, 10)}
    assert {i for i, c in ids.items() if c > 1} == {"licences.csv#5", "licences.csv#6",
                                                    "licences.csv#7"}, "only the unconfirmed chunk"
    assert _names(tmp_path / "processing") == [] and len(_names(tmp_path / "done")) == 2


def test_dropping_the_same_content_again_later_imports_it_again(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port)
    _drop(tmp_path, "licences.csv", 2)
    adapter.poll_once()
    _drop(tmp_path, "licences.csv", 2)
    assert adapter.poll_once() == 2, "a new drop is a new delivery (the hub de-duplicates)"
    assert len(_names(tmp_path / "done")) == 4


def test_a_missing_folder_is_a_transient_error_and_unhealthy(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path / "share", RecordingPort())
    with pytest.raises(TransientError, match="not there"):
        adapter.poll_once()
    assert not adapter.health().ok


def test_the_running_adapter_takes_files_as_they_complete(tmp_path: Path) -> None:
    port = RecordingPort()
    adapter = _adapter(tmp_path, port, poll_seconds=0.05)
    adapter.start()
    try:
        _drop(tmp_path, "a.csv", 2)
        port.wait_for(submitted=2)
        _drop(tmp_path, "b.csv", 1, start=10)
        port.wait_for(submitted=3)
    finally:
        adapter.stop()
    assert adapter.config.columns == COLUMNS


def test_the_registry_names_resolve_to_the_file_adapters() -> None:
    registry = AdapterRegistry()
    assert registry.load("file-drop") is FileDropAdapter
    assert registry.load("file-export") is FileExportAdapter


@pytest.mark.parametrize(("option", "message"), [
    ({"record_type": "licence"}, "not a record type"),
    ({"encoding": "big5"}, "not accepted"),
    ({"colums": {}}, "Extra inputs are not permitted"),
    ({"columns": {"columns": {"名称": "party name"}}}, "not a field path"),
])
def test_a_misconfigured_folder_is_refused_at_start_up(
    tmp_path: Path, option: dict[str, Any], message: str,
) -> None:
    with pytest.raises(ValidationError, match=message):
        FileDropConfig.model_validate({"kind": "file-drop", "folder": tmp_path, **option})
