"""The folders of one ``file-drop`` adapter: the drop folder and its working folders in it.

``processing/`` (with ``reports/``), ``done/`` and ``failed/`` are made by the adapter inside
the department's folder, so the department can replace them: :meth:`DropFolders.prepare`
refuses to work through anything that is not a real folder (a link to a folder would have the
adapter list, read and write wherever it points). Names given to files moving through them
carry the UTC time they were taken (names repeat: departments drop files of the same name
every day), and are free in every working folder. Reason files are written privately
(:func:`~adapters.sdk.regular_files.write_private`, mode ``file_mode``).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from adapters.sdk.adapter_errors import PermanentError, TransientError
from adapters.sdk.regular_files import what_is, write_private

#: The working folders' names (never candidates for import).
WORKING = ("processing", "done", "failed")
#: Folders the adapter creates: searchable by whoever may read the files it writes.
_FOLDER_MODES = {0o600: 0o700, 0o640: 0o750}


class DropFolders:
    """The drop folder ``folder`` and its working folders; files written with ``file_mode``."""

    def __init__(self, folder: Path, file_mode: int) -> None:
        self.folder = folder
        self.processing = folder / "processing"
        self.reports = self.processing / "reports"
        self.done = folder / "done"
        self.failed = folder / "failed"
        self.file_mode = file_mode

    def prepare(self) -> None:
        """Make the working folders. TransientError if the drop folder is missing (a share not
        mounted) or cannot be written; PermanentError if a working folder is not a folder."""
        if not self.folder.is_dir():
            raise TransientError(f"the drop folder {self.folder} is not there (not mounted?)")
        for folder in (self.processing, self.reports, self.done, self.failed):
            try:
                folder.mkdir(mode=_FOLDER_MODES[self.file_mode], exist_ok=True)
                status = os.lstat(folder)
            except OSError as e:
                raise TransientError(f"cannot prepare {folder}: {e}") from e
            if not stat.S_ISDIR(status.st_mode):
                raise PermanentError(
                    f"{folder} is {what_is(status)}, not the folder the adapter made; it works "
                    "through no link: an operator must move it away")

    def leftovers(self) -> list[tuple[Path, os.stat_result]]:
        """Entries an interrupted poll left in ``processing/``, with their ``lstat``, oldest
        name first."""
        try:
            with os.scandir(self.processing) as listing:
                return sorted((self.processing / e.name, e.stat(follow_symlinks=False))
                              for e in listing if e.name != self.reports.name)
        except OSError as e:
            raise TransientError(f"cannot list {self.processing}: {e}") from e

    def free(self, folder: Path, name: str) -> Path:
        """A path in ``folder`` for ``name`` taken now, in use in no working folder."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = folder / f"{stamp}-{name}"
        serial = 1
        while any(os.path.lexists(f / target.name) for f in (self.processing, self.done,
                                                             self.failed)):
            serial += 1
            target = folder / f"{stamp}.{serial}-{name}"
        return target

    def write_reason(self, target: Path, reason: Mapping[str, object]) -> None:
        """``<name>.reason.json`` beside ``target``; TransientError if it cannot be written."""
        text = json.dumps(reason, ensure_ascii=False, indent=2) + "\n"
        try:
            write_private(target.with_name(f"{target.name}.reason.json"), text.encode(),
                          self.file_mode)
        except OSError as e:
            raise TransientError(f"cannot write the reason for {target.name}: {e}") from e
