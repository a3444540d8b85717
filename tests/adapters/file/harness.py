"""Harnesses for the conformance suite: the file-mode adapters against real folders."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.adapters.file.support import LAYOUT, write_licences


class FileDropHarness:
    """A department's drop folder (``InboundHarness``): licence CSVs in its own GBK layout,
    each marked complete with a ``.done`` file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._home = folder
        self._files = itertools.count(1)
        self._next_record = 1

    def config(self) -> dict[str, Any]:
        return {
            "kind": "file-drop", "folder": str(self.folder),
            "record_type": "administrative_licence", "encoding": "gbk",
            "columns": {"columns": LAYOUT}, "complete_when": "marker", "poll_seconds": 0.1,
        }

    def offer(self, count: int) -> None:
        start, self._next_record = self._next_record, self._next_record + count
        self._drop(lambda path: write_licences(path, count, encoding="gbk", start=start))

    def offer_bad(self) -> None:
        self._drop(lambda path: write_licences(path, 1, encoding="gbk",
                                               bad_rows={1: ["缺少其余各列"]}))

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The share goes away (unmounted): the folder is not there. The department keeps
        writing to its side of the share (offers during the outage land there)."""
        away = self.folder.with_name(self.folder.name + ".unmounted")
        os.replace(self.folder, away)
        self._home = away
        try:
            yield
        finally:
            os.replace(away, self.folder)
            self._home = self.folder

    def _drop(self, write: Any) -> None:
        name = f"licences-{next(self._files):04d}.csv"
        partial = self._home / f".{name}"
        write(partial)
        os.replace(partial, self._home / name)
        (self._home / f"{name}.done").touch()


class FileExportHarness:
    """A department's export folder (``OutboundHarness``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def config(self) -> dict[str, Any]:
        return {"kind": "file-export", "folder": str(self.folder)}

    def received(self) -> list[str]:
        return sorted(f"sha256:{p.stem}" for p in self.folder.glob("*.json"))

    @contextmanager
    def outage(self) -> Iterator[None]:
        """The share is not mounted: the folder is missing."""
        away = self.folder.with_name(self.folder.name + ".unmounted")
        os.replace(self.folder, away)
        try:
            yield
        finally:
            os.replace(away, self.folder)

    @contextmanager
    def refusing(self) -> Iterator[None]:
        """The path is misconfigured: a file stands where the folder should be (refused even
        to root, which file permissions would not stop)."""
        away = self.folder.with_name(self.folder.name + ".moved")
        os.replace(self.folder, away)
        self.folder.write_text("not a folder")
        try:
            yield
        finally:
            self.folder.unlink()
            os.replace(away, self.folder)

