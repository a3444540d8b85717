"""Helpers for the folder-adapter attack tests: a private file to steal, and a place to look.

``Secret`` is a file the hub's account can read (a private licence CSV a department should
never see) holding a unique token; :meth:`Secret.found_in` says where, among files (read without
following links) and message bodies, that token turns up. A test proves a leak closed by
finding the token nowhere.
"""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterable
from pathlib import Path

from tests.adapters.file.support import cells, csv_text, licence


class Secret:
    """A private batch file under ``folder``; its content names ``token`` in every row."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.token = f"SECRET{uuid.uuid4().hex}"
        self.path = folder / "private.csv"
        record = licence(999)
        record["party"]["name"] = self.token
        self.content = csv_text([cells(record)]).encode("utf-8")
        self.path.write_bytes(self.content)
        os.chmod(self.path, 0o600)

    def untouched(self) -> bool:
        return self.path.read_bytes() == self.content and not os.path.islink(self.path)

    def found_in(self, folders: Iterable[Path] = (), bodies: Iterable[bytes] = ()) -> list[str]:
        """Where the token appears: files under ``folders`` (regular files only, links not
        followed, this file itself excepted, by any name) and ``bodies`` (by index)."""
        token, mine = self.token.encode(), os.lstat(self.path)
        places = []
        for folder in folders:
            for root, _, names in os.walk(folder):  # os.walk does not follow links to folders
                for name in names:
                    path = Path(root) / name
                    status = os.lstat(path)
                    if not stat.S_ISREG(status.st_mode) or os.path.samestat(status, mine):
                        continue  # not a file, or this file itself (under a hard link too)
                    if token in path.read_bytes():
                        places.append(str(path))
        places += [f"body {i}" for i, body in enumerate(bodies) if token in body]
        return places


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)
