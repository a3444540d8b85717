"""docs/security.md maps each control to the code that implements it and the test that proves
it: every file and test it names must exist, so the table cannot point at something renamed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
_CODE = re.compile(r"`([^`]+)`")


def _cells(column: int) -> list[str]:
    rows = [line for line in TABLE.splitlines() if line.startswith("| ") and "`" in line]
    return [line.split(" | ")[column] for line in rows if len(line.split(" | ")) == 4]


def _test_file(name: str) -> Path | None:
    if name.startswith("tests/"):
        path = ROOT / name
        return path if path.is_file() else None
    found = sorted((ROOT / "tests").rglob(name))
    return found[0] if len(found) == 1 else None


def test_every_test_the_control_table_cites_exists() -> None:
    missing: list[str] = []
    cited = 0
    for cell in _cells(3):
        current: Path | None = None
        for token in _CODE.findall(cell):
            name, _, test = token.partition("::")
            if name.endswith(".py"):
                current = _test_file(name)
                if current is None:
                    missing.append(f"{name} (no such test file, or not unique)")
                    continue
            if test:
                cited += 1
                source = current.read_text(encoding="utf-8") if current else ""
                if f"def {test}(" not in source:
                    missing.append(f"{current and current.relative_to(ROOT)}::{test}")
    assert cited > 20, "the table's test column was not found"
    assert missing == []


def test_every_file_the_control_table_names_as_code_exists() -> None:
    missing: list[str] = []
    for cell in _cells(2):
        folder: Path | None = None
        for token in _CODE.findall(cell):
            path = token.split(" ")[0]
            if not re.fullmatch(r"[\w/.*]+", path) or not re.search(r"/|\.(py|yaml)$", path):
                continue  # a symbol or a setting, not a file
            if "/" in path:
                candidate = ROOT / path
                folder = candidate if candidate.is_dir() else candidate.parent
            elif folder is not None:
                candidate = folder / path
            else:
                continue
            if not (candidate.exists() or list(candidate.parent.glob(candidate.name))):
                missing.append(path)
    assert missing == []
