"""When a dropped file is complete: the department must have finished writing it.

Two rules, configured per folder:
- ``stable``: the file's size and modification time have not changed for ``stable_seconds``,
  as seen by this process across polls (the first sighting starts the clock, so a file is
  never taken on the poll that first sees it; the file system's clock is not trusted, as a
  network share's may differ from ours);
- ``marker``: a file named like it plus ``marker_suffix`` (``licence.csv.done``) exists; the
  department writes it after the data file is closed. The marker is removed once the file
  is taken.

Files that are hidden (``.name``), Office lock files (``~$name``), markers, and names matching
none of ``patterns`` (matched case-insensitively) are never candidates.
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Sequence
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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rule = rule
        self.patterns = [p.lower() for p in patterns]
        self.stable_seconds = stable_seconds
        self.marker_suffix = marker_suffix
        self._clock = clock
        self._seen: dict[str, tuple[int, int, float]] = {}

    def ready(self, folder: Path) -> list[Path]:
        """Complete candidate files in ``folder``, oldest first. Raises OSError if the folder
        cannot be listed."""
        names = {entry.name: entry for entry in folder.iterdir()}
        ready: list[tuple[int, Path]] = []
        now = self._clock()
        for name, entry in names.items():
            if not self._candidate(name):
                continue
            try:
                stat = entry.stat()
            except FileNotFoundError:
                continue  # taken or removed since the listing
            if not entry.is_file():
                continue
            if self.rule == "marker":
                if name + self.marker_suffix in names:
                    ready.append((stat.st_mtime_ns, entry))
                continue
            size_and_time = (stat.st_size, stat.st_mtime_ns)
            seen = self._seen.get(name)
            if seen is None or seen[:2] != size_and_time:
                self._seen[name] = (*size_and_time, now)
            elif now - seen[2] >= self.stable_seconds:
                ready.append((stat.st_mtime_ns, entry))
        for name in set(self._seen) - set(names):
            del self._seen[name]
        return [path for _, path in sorted(ready)]

    def taken(self, path: Path) -> None:
        """Forget ``path`` and remove its marker (it was moved away for import)."""
        self._seen.pop(path.name, None)
        if self.rule == "marker":
            path.with_name(path.name + self.marker_suffix).unlink(missing_ok=True)

    def _candidate(self, name: str) -> bool:
        lowered = name.lower()
        if name.startswith((".", "~$")) or lowered.endswith(self.marker_suffix.lower()):
            return False
        return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in self.patterns)
