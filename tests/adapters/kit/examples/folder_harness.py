"""Harnesses for the folder adapters: a real folder, taken away for an outage."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from adapters.testing import sample_licence


class FolderSystem:
    """A folder the system writes to or reads from. ``outage`` moves it away (the back door,
    ``current``, still reaches it); ``refusing`` leaves a plain file in its place."""

    def __init__(self, root: Path) -> None:
        self.path = root / "exchange"
        self.path.mkdir()
        self._away = root / "exchange.away"
        self.current = self.path

    @contextmanager
    def outage(self) -> Iterator[None]:
        self.path.rename(self._away)
        self.current = self._away
        try:
            yield
        finally:
            self._away.rename(self.path)
            self.current = self.path

    @contextmanager
    def refusing(self) -> Iterator[None]:
        with self.outage():
            self.path.write_text("not a folder")
            try:
                yield
            finally:
                self.path.unlink()


class FolderInHarness(FolderSystem):
    """An :class:`~adapters.testing.InboundHarness` for ``example-folder-in`` and look-alikes."""

    def __init__(self, root: Path, kind: str = "example-folder-in") -> None:
        super().__init__(root)
        self.kind = kind
        self._sequence = 0

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "directory": str(self.path),
                "record_type": "administrative_licence", "poll_seconds": 0.05}

    def _write(self, body: bytes) -> None:
        self._sequence += 1
        path = self.current / f"{self._sequence:08d}.json"
        partial = path.with_suffix(".partial")
        partial.write_bytes(body)
        now = time.time_ns()  # exact times: a file system's coarse clock must not reorder them
        os.utime(partial, ns=(now, now))
        os.replace(partial, path)

    def offer(self, count: int) -> None:
        for _ in range(count):
            self._write(json.dumps(sample_licence(), ensure_ascii=False).encode())

    def offer_bad(self) -> bytes:
        body = b'{"licence_number": "JY1", '  # cut short
        self._write(body)
        return body


class FolderOutHarness(FolderSystem):
    """An :class:`~adapters.testing.OutboundHarness` for ``example-folder-out`` and look-alikes."""

    def __init__(self, root: Path, kind: str = "example-folder-out") -> None:
        super().__init__(root)
        self.kind = kind

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "directory": str(self.path)}

    def received(self) -> list[str]:
        return [json.loads(p.read_bytes())["content_hash"] for p in self.path.glob("*.json")]
