"""``file-drop``: import each complete file dropped into a folder, resumably.

Folder lifecycle (all inside ``folder``, one file system, so every move is an atomic rename):

1. a file is *complete* (:mod:`adapters.file.completion`), then *taken*: its progress is reset
   in the checkpoints under its content hash and it is moved to ``processing/`` as
   ``<UTC time>-<name>`` (names repeat, dropped files do every day);
2. it is imported by :class:`~adapters.file.importer.FileImport` in confirmed chunks, its error
   report growing in ``processing/reports/``;
3. it goes to ``done/`` with ``<name>.errors.csv`` beside it (header only when every row was
   good), or, if it could not be read, to ``failed/`` with the report and ``<name>.reason.json``
   (code, message, rows taken before the failure). The department is sent feedback either way.

Crash recovery: a file still in ``processing/`` is resumed on the next poll after the last
confirmed chunk (checkpoint ``file:<sha256>``); one whose import had finished is only moved on.
``stop`` ends an import between chunks, leaving it to resume. A missing or unreadable folder
is a :class:`TransientError` (a share that is not mounted): the poll is retried.

Regular files only (:mod:`adapters.sdk.regular_files`): entries are listed with ``lstat``; a
complete candidate that is not a regular file (a symbolic or hard link, a folder, a FIFO, a
device, a socket), or that is swapped between the listing and the open, is never read. It is
refused with ``adapter.not_a_regular_file``: quarantined as a description naming the entry (no
byte of any target), the department sent feedback, and the entry itself renamed into
``failed/`` with its ``.reason.json`` (a rename moves the entry, never what a link points at;
if it cannot be moved, a mount point say, it is left and reported once per process). A file is
opened once to take it, and after the move into ``processing/`` its name there must still be
the file that was opened; the readers open it again the same checked way. ``processing/``,
``done/`` and ``failed/`` must be real folders (not links): otherwise the poll is refused.

Files the adapter writes (reason files, error reports) are created new under a hidden name with
mode ``file_mode`` and renamed into place, so a link planted at their names is replaced, never
written through; the folders it creates get the matching folder mode (0700 or 0750).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import schemas
from adapters.file.completion import CompletionWatch
from adapters.file.drop_config import FileDropConfig
from adapters.file.drop_folders import WORKING, DropFolders
from adapters.file.error_report import ErrorReport
from adapters.file.file_rows import FileUnusable, Row, RowSource
from adapters.file.importer import (
    FileImport,
    Progress,
    checkpoint_key,
    file_digest,
    load_progress,
    stream_digest,
)
from adapters.file.readers import ReadOptions, format_of, open_rows
from adapters.sdk.adapter_errors import TransientError
from adapters.sdk.lifecycle import InboundPort, PollingInboundAdapter
from adapters.sdk.regular_files import (
    NotRegularFile,
    file_mode,
    open_regular,
    same_file,
    what_is,
)

_STAMP = re.compile(r"^\d{8}T\d{6}Z(?:\.\d+)?-")


class FileDropAdapter(PollingInboundAdapter[FileDropConfig]):
    """Watches ``config.folder`` and imports each complete file (see module doc)."""

    kind: ClassVar[str] = "file-drop"
    mode = "file"
    Config = FileDropConfig
    summary: ClassVar[str] = "Import CSV, xlsx and XML batches dropped into a folder."

    def __init__(self, config: FileDropConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self.folders = DropFolders(config.folder, file_mode(config.file_mode))
        self.folder = config.folder
        self.processing, self.reports = self.folders.processing, self.folders.reports
        self.done, self.failed = self.folders.done, self.folders.failed
        self._watch = CompletionWatch(
            config.complete_when, patterns=config.patterns,
            stable_seconds=config.stable_seconds, marker_suffix=config.marker_suffix,
            ignore=WORKING,
        )
        # Refused entries that could not be moved aside: reported once, not on every poll.
        self._left: set[tuple[int, int]] = set()

    def start(self) -> None:
        self.folders.prepare()
        super().start()

    def poll(self) -> int:
        self.folders.prepare()
        taken = 0
        for path, status in self.folders.leftovers():
            what = what_is(status)
            taken += (self._import(path) if what is None
                      else self._refuse(NotRegularFile(path, what), status))
            if self._stopping.is_set():
                return taken
        try:
            ready = self._watch.ready(self.folder)
        except OSError as e:
            raise TransientError(f"cannot list {self.folder}: {e}") from e
        for path, status in ready:
            if self._stopping.is_set():
                break
            what = what_is(status)
            if what is not None:
                self._refuse(NotRegularFile(path, what), status)
                continue
            took = self._take(path, status)
            if took is not None:
                taken += self._import(*took)
        return taken

    def _take(self, path: Path, listed: os.stat_result) -> tuple[Path, str] | None:
        """Move a complete file to ``processing/`` with its progress reset; None if it was
        refused (not the regular file that was listed) or is gone."""
        target = self.folders.free(self.processing, path.name)
        try:
            with open_regular(path, expected=listed) as stream:
                opened = os.fstat(stream.fileno())
                digest = stream_digest(stream)
                self.port.checkpoints.put(checkpoint_key(digest), Progress(target.name).to_json())
                # The marker goes first: a crash between the two steps leaves the file waiting
                # for a new marker, where the other order could leave a stale marker that makes
                # the next file of that name be taken while it is still being written.
                self._watch.taken(path)
                os.replace(path, target)
            moved = os.lstat(target)
        except NotRegularFile as e:
            self._refuse(e, listed)
            return None
        except FileNotFoundError:
            self.log.warning("%s went away before it could be taken", path.name)
            return None
        except OSError as e:
            raise TransientError(f"cannot take {path}: {e}") from e
        if not same_file(moved, opened):
            # Swapped between the open and the rename: what now sits in processing/ is not the
            # file that was checked, so it is refused like any entry that is not.
            self._refuse(NotRegularFile(target, "not the file that was checked (swapped while "
                                        "being moved)"), moved)
            return None
        self.log.info("took %s as %s", path.name, target.name)
        return target, digest

    def _refuse(self, error: NotRegularFile, status: os.stat_result) -> int:
        """Report an entry that is not a regular file, then move it aside (see module doc).
        Nothing of it is read. Returns 0 (records taken)."""
        path, identity = error.path, (status.st_dev, status.st_ino)
        if identity in self._left:
            return 0
        name = _original(path.name)
        record_type = self._record_type(name)
        description = {"file": name, "code": error.problem.code, "message": error.problem.message}
        self.port.reject(
            json.dumps(description, ensure_ascii=False).encode(), error.problem,
            record_type=record_type if record_type in schemas.RECORD_TYPES else None,
            content_type="application/json", source_message_id=name,
        )
        self._watch.taken(path)
        target = self.failed / (path.name if path.parent == self.processing
                                else self.folders.free(self.failed, path.name).name)
        try:
            os.replace(path, target)  # renames the entry itself: a link is not followed
        except FileNotFoundError:
            pass  # gone meanwhile; the department has been told
        except OSError as e:
            self._left.add(identity)
            self.log.warning("cannot move %s aside (%s); it is left where it is", path.name, e)
        self.folders.write_reason(target, {**description, "rows_taken": 0, "rows_refused": 0})
        self.log.warning("refused %s: %s", path.name, error.problem.message)
        return 0

    def _import(self, path: Path, digest: str | None = None) -> int:
        """Import (or resume) one file in ``processing/``; returns records submitted."""
        try:
            digest = digest or file_digest(path)
        except NotRegularFile as e:
            return self._refuse(e, os.lstat(path))
        except OSError as e:
            raise TransientError(f"cannot read {path}: {e}") from e
        progress = load_progress(self.port.checkpoints, digest, path.name) or Progress(path.name)
        before = progress.taken
        if not progress.done:
            report_path = self.reports / f"{path.name}.errors.csv"
            resumed = progress.row > 0 and os.path.lexists(report_path)
            report = ErrorReport(report_path, keep_through=progress.row if resumed else None,
                                 mode=self.folders.file_mode)
            source, record_type = self._source(path)
            importer = FileImport(
                self.port, record_type=record_type, label=_original(path.name), digest=digest,
                report=report, chunk_size=self.config.chunk_size,
                should_stop=self._stopping.is_set,
            )
            try:
                progress = importer.run(source, progress)
            finally:
                report.close()
            if not progress.done:
                return progress.taken - before
        self._finish(path, progress)
        return progress.taken - before

    def _source(self, path: Path) -> tuple[RowSource, str | None]:
        """The reader for a file, or one that fails it with the reason it cannot be read."""
        name = _original(path.name)
        record_type = self._record_type(name)
        if record_type not in schemas.RECORD_TYPES:
            return _Unusable("adapter.unsupported", f"{record_type!r} is not a record type; "
                             "name files <record_type>-....csv or configure record_type"), None
        fmt = self.config.format or format_of(path)
        if fmt is None:
            return _Unusable("adapter.unsupported", f"{name}: the extension names no format "
                             "(csv, xlsx, xml); configure format"), record_type
        options = ReadOptions(
            format=fmt, record_element=self.config.record_element or record_type,
            encoding=self.config.encoding, columns=self.config.columns,
            delimiter=self.config.delimiter, sheet=self.config.sheet, wrap=self.config.wrap,
        )
        return open_rows(path, options), record_type

    def _record_type(self, name: str) -> str:
        """The configured record type, or the one the file name starts with (maybe none)."""
        return self.config.record_type or re.split(r"[-.]", name, maxsplit=1)[0]

    def _finish(self, path: Path, progress: Progress) -> None:
        """Move a finished file, and its report, to ``done/`` or ``failed/``."""
        target = self.failed if progress.failure else self.done
        report = self.reports / f"{path.name}.errors.csv"
        if progress.failure:
            self.folders.write_reason(target / path.name, {
                **progress.failure, "file": _original(path.name),
                "rows_taken": progress.taken, "rows_refused": progress.refused})
        try:
            if os.path.lexists(report):
                os.replace(report, target / report.name)
            os.replace(path, target / path.name)
        except OSError as e:
            raise TransientError(f"cannot move {path.name} to {target}: {e}") from e
        self.log.info("%s: %d records taken, %d refused%s", path.name, progress.taken,
                      progress.refused, f"; failed: {progress.failure['message']}"
                      if progress.failure else "")


class _Unusable:
    """A row source for a file the adapter cannot even open as a batch."""

    record_content_type = raw_content_type = "application/octet-stream"

    def __init__(self, code: str, message: str) -> None:
        self._error = FileUnusable(code, message)

    def rows(self) -> Iterator[Row]:
        raise self._error
        yield  # a generator, so the error is raised inside the import's loop

    def progress(self) -> float | None:
        return None


def _original(name: str) -> str:
    """The name the department gave a file (without the ``processing/`` time prefix)."""
    return _STAMP.sub("", name, count=1)
