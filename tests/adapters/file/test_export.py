"""``file-export``: one atomically written file per record, idempotent, errors classified."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from adapters.file.export import FileExportAdapter, FileExportConfig, file_name
from adapters.sdk import PermanentError, TransientError
from schemas.contract.envelope import Envelope
from tests.adapters.file.support import licence_envelope


def _adapter(folder: Path) -> FileExportAdapter:
    return FileExportAdapter(FileExportConfig(kind="file-export", folder=folder), system="tax")


def test_each_envelope_is_one_json_file_named_by_its_content_hash(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path)
    envelope = licence_envelope(1)
    adapter.deliver(envelope, envelope.to_bytes())
    (written,) = tmp_path.iterdir()
    assert written.name == f"{envelope.content_hash.removeprefix('sha256:')}.json"
    assert Envelope.model_validate(json.loads(written.read_bytes())) == envelope


def test_a_redelivery_overwrites_the_same_file_so_the_department_holds_one_record(
    tmp_path: Path,
) -> None:
    adapter = _adapter(tmp_path)
    first, second = licence_envelope(1), licence_envelope(2)
    for envelope in (first, second, first, first):
        adapter.deliver(envelope, envelope.to_bytes())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        file_name(e.content_hash) for e in (first, second))


def test_a_missing_folder_is_transient_a_share_not_mounted_yet(tmp_path: Path) -> None:
    adapter = _adapter(tmp_path / "share")
    with pytest.raises(TransientError):
        adapter.deliver(licence_envelope(1), licence_envelope(1).to_bytes())
    assert not adapter.health().ok


def test_a_path_that_is_not_a_folder_is_permanent_and_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    target = tmp_path / "export"
    target.write_text("a file where the folder should be")
    with pytest.raises(PermanentError):
        _adapter(target).deliver(licence_envelope(1), licence_envelope(1).to_bytes())
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


@pytest.mark.parametrize(("code", "expected"), [
    (errno.ENOSPC, TransientError), (errno.EDQUOT, TransientError), (errno.EIO, TransientError),
    (errno.EACCES, PermanentError), (errno.EROFS, PermanentError),
])
def test_a_full_disk_is_transient_and_a_refused_write_permanent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, expected: type[Exception],
) -> None:
    def failing_write(descriptor: int, data: bytes) -> int:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "write", failing_write)
    with pytest.raises(expected, match=os.strerror(code)):
        _adapter(tmp_path).deliver(licence_envelope(1), licence_envelope(1).to_bytes())
    assert list(tmp_path.iterdir()) == [], "the partial file is removed"


def test_health_says_whether_the_folder_takes_files(tmp_path: Path) -> None:
    assert _adapter(tmp_path).health().ok


def test_a_content_hash_that_cannot_name_a_file_is_permanent(tmp_path: Path) -> None:
    envelope = licence_envelope(1).model_copy(update={"content_hash": "sha256:../../etc/passwd"})
    with pytest.raises(PermanentError, match="cannot name a file"):
        _adapter(tmp_path).deliver(envelope, envelope.to_bytes())
