"""When a dropped file is complete: the department must have finished writing it.

Two rules, configured per folder:
- ``stable``: the file's size and modification time have not changed for ``stable_seconds``,
  as seen by this process across polls (the first sighting starts the clock, so a file is
  never taken on the poll that first sees it; the file system's clock is not trusted, as a
  network share's may differ from ours);
- ``marker``: a file named like it plus ``marker_suffix`` (``licence.csv.done``) exists; the
  department writes it after the data file is closed. The marker is removed once the file
  is taken.

Files that are hidden (``.name``), Office lock files (``~$name``), markers, names in
``ignore`` (the adapter's own folders), and names matching none of ``patterns`` (matched
case-insensitively) are never candidates.

Entries are looked at with ``lstat``, never through a link, and whatever they are: a candidate
that is not a regular file (a link, a FIFO, a folder named ``x.csv``) is complete by the same
rule and handed to the adapter with its status, which refuses it (and never opens it). A marker
counts only if it is not a folder (a folder cannot be removed like a marker).
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Literal

CompleteWhen = Literal["stable", "marker"]


class CompletionWatch:
    """Decides which files in a folder are complete; keeps what it saw between polls."""

    def __init__(
        self,
        rule: CompleteWhen,
        *,
        patterns: Sequence[str],
        stable_seconds: float = 10.0,
        marker_suffix: str = ".done",
        ignore: Collection[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rule = rule
        self.patterns = [p.lower() for p in patterns]
        self.stable_seconds = stable_seconds
        self.marker_suffix = marker_suffix
        self.ignore = frozenset(ignore)
        self._clock = clock
        self._seen: dict[str, tuple[int, int, float]] = {}

    def ready(self, folder: Path) -> list[tuple[Path, os.stat_result]]:
        """Complete candidates in ``folder`` with their ``lstat``, oldest first, of any kind
        (see module doc). Raises OSError if the folder cannot be listed."""
        with os.scandir(folder) as listing:
            names = {entry.name: entry for entry in listing}
        ready: list[tuple[int, str, os.stat_result]] = []
        now = self._clock()
        for name, entry in names.items():
            if not self._candidate(name):
                continue
            try:
                status = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # taken or removed since the listing
            if self.rule == "marker":
                if self._marker(names.get(name + self.marker_suffix)):
                    ready.append((status.st_mtime_ns, name, status))
                continue
            size_and_time = (status.st_size, status.st_mtime_ns)
            seen = self._seen.get(name)
            if seen is None or seen[:2] != size_and_time:
                self._seen[name] = (*size_and_time, now)
            elif now - seen[2] >= self.stable_seconds:
                ready.append((status.st_mtime_ns, name, status))
        for name in set(self._seen) - set(names):
            del self._seen[name]
        return [(folder / name, status) for _, name, status in sorted(ready)]

    @staticmethod
    def _marker(entry: os.DirEntry[str] | None) -> bool:
        try:
            return entry is not None and not stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode)
        except FileNotFoundError:
            return False

    def taken(self, path: Path) -> None:
        """Forget ``path`` and remove its marker (it was moved away for import)."""
        self._seen.pop(path.name, None)
        if self.rule == "marker":
            path.with_name(path.name + self.marker_suffix).unlink(missing_ok=True)

    def _candidate(self, name: str) -> bool:
        if name in self.ignore:
            return False
        lowered = name.lower()
        if name.startswith((".", "~$")) or lowered.endswith(self.marker_suffix.lower()):
            return False
        return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self.patterns)
