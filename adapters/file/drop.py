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
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import schemas
from adapters.file.completion import CompletionWatch
from adapters.file.drop_config import FileDropConfig
from adapters.file.error_report import ErrorReport
from adapters.file.file_rows import FileUnusable, Row, RowSource
from adapters.file.importer import (
    FileImport,
    Progress,
    checkpoint_key,
    file_digest,
    load_progress,
)
from adapters.file.readers import ReadOptions, format_of, open_rows
from adapters.sdk.adapter_errors import TransientError
from adapters.sdk.lifecycle import InboundPort, PollingInboundAdapter

_STAMP = re.compile(r"^\d{8}T\d{6}Z(?:\.\d+)?-")


class FileDropAdapter(PollingInboundAdapter[FileDropConfig]):
    """Watches ``config.folder`` and imports each complete file (see module doc)."""

    kind: ClassVar[str] = "file-drop"
    mode = "file"
    Config = FileDropConfig
    summary: ClassVar[str] = "Import CSV, xlsx and XML batches dropped into a folder."

    def __init__(self, config: FileDropConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self.folder = config.folder
        self.processing = config.folder / "processing"
        self.reports = self.processing / "reports"
        self.done = config.folder / "done"
        self.failed = config.folder / "failed"
        self._watch = CompletionWatch(
            config.complete_when, patterns=config.patterns,
            stable_seconds=config.stable_seconds, marker_suffix=config.marker_suffix,
        )

    def start(self) -> None:
        self._prepare()
        super().start()

    def poll(self) -> int:
        self._prepare()
        taken = 0
        for path in self._leftovers():
            taken += self._import(path)
            if self._stopping.is_set():
                return taken
        try:
            ready = self._watch.ready(self.folder)
        except OSError as e:
            raise TransientError(f"cannot list {self.folder}: {e}") from e
        for path in ready:
            if self._stopping.is_set():
                break
            taken += self._import(*self._take(path))
        return taken

    def _prepare(self) -> None:
        if not self.folder.is_dir():
            raise TransientError(f"the drop folder {self.folder} is not there (not mounted?)")
        try:
            for folder in (self.processing, self.reports, self.done, self.failed):
                folder.mkdir(exist_ok=True)
        except OSError as e:
            raise TransientError(f"cannot prepare {self.folder}: {e}") from e

    def _leftovers(self) -> list[Path]:
        """Files an interrupted poll left in ``processing/``, oldest name first."""
        try:
            return sorted(p for p in self.processing.iterdir() if p.is_file())
        except OSError as e:
            raise TransientError(f"cannot list {self.processing}: {e}") from e

    def _take(self, path: Path) -> tuple[Path, str]:
        """Move a complete file to ``processing/`` with its progress reset."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.processing / f"{stamp}-{path.name}"
        serial = 1
        while any((folder / target.name).exists() for folder in (self.processing, self.done,
                                                                  self.failed)):
            serial += 1
            target = self.processing / f"{stamp}.{serial}-{path.name}"
        try:
            digest = file_digest(path)
            self.port.checkpoints.put(checkpoint_key(digest), Progress(target.name).to_json())
            # The marker goes first: a crash between the two steps leaves the file waiting for
            # a new marker, where the other order could leave a stale marker that makes the
            # next file of that name be taken while it is still being written.
            self._watch.taken(path)
            os.replace(path, target)
        except OSError as e:
            raise TransientError(f"cannot take {path}: {e}") from e
        self.log.info("took %s as %s", path.name, target.name)
        return target, digest

    def _import(self, path: Path, digest: str | None = None) -> int:
        """Import (or resume) one file in ``processing/``; returns records submitted."""
        try:
            digest = digest or file_digest(path)
        except OSError as e:
            raise TransientError(f"cannot read {path}: {e}") from e
        progress = load_progress(self.port.checkpoints, digest, path.name) or Progress(path.name)
        before = progress.taken
        if not progress.done:
            report_path = self.reports / f"{path.name}.errors.csv"
            resumed = progress.row > 0 and report_path.exists()
            report = ErrorReport(report_path, keep_through=progress.row if resumed else None)
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
        record_type = self.config.record_type or re.split(r"[-.]", name, maxsplit=1)[0]
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

    def _finish(self, path: Path, progress: Progress) -> None:
        """Move a finished file, and its report, to ``done/`` or ``failed/``."""
        target = self.failed if progress.failure else self.done
        report = self.reports / f"{path.name}.errors.csv"
        try:
            if report.exists():
                os.replace(report, target / report.name)
            if progress.failure:
                reason = {**progress.failure, "file": _original(path.name),
                          "rows_taken": progress.taken, "rows_refused": progress.refused}
                partial = target / f".{path.name}.reason.json.part"
                partial.write_text(json.dumps(reason, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
                os.replace(partial, target / f"{path.name}.reason.json")
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
