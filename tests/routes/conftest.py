"""Fixtures for the routes tests: the real system ids and record types, and file writers."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from routes import RouteTable
from schemas import RECORD_TYPES

REPO = Path(__file__).resolve().parents[2]



@pytest.fixture(scope="session")
def systems() -> frozenset[str]:
    """System ids read from the real catalogue, schemas/data/systems.yaml."""
    catalogue = yaml.safe_load(
        (REPO / "schemas" / "data" / "systems.yaml").read_text(encoding="utf-8")
    )
    return frozenset(entry["id"] for entry in catalogue["systems"])


@pytest.fixture(scope="session")
def record_types() -> tuple[str, ...]:
    return RECORD_TYPES


@pytest.fixture(scope="session")
def shipped(systems: frozenset[str]) -> RouteTable:
    """The table built from the shipped route and data files."""
    return RouteTable.load(systems=systems, record_types=RECORD_TYPES)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to ``tmp_path/name`` and return the path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def load(systems: frozenset[str]) -> Callable[..., RouteTable]:
    """Load route files with the real ids (``data_dir`` defaults to the shipped data)."""

    def _load(*paths: Path, data_dir: Path | None = None) -> RouteTable:
        return RouteTable.load(
            list(paths), systems=systems, record_types=RECORD_TYPES, data_dir=data_dir
        )

    return _load
