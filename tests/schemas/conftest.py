"""Fixtures for the schemas tests: valid sample records kept as data files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SAMPLES = Path(__file__).with_name("samples")


def _load(record_type: str) -> dict[str, Any]:
    path = SAMPLES / "valid" / f"{record_type}.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def sample() -> Callable[[str], dict[str, Any]]:
    """``sample(record_type)``: a fresh copy of the valid sample record of that type."""
    return _load


@pytest.fixture
def xml_samples() -> Path:
    """Folder of hand-written XML instances in the contract's XML form."""
    return SAMPLES / "xml"
