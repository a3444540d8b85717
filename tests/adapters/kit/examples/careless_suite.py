"""The conformance suite against the careless adapters, and a test class that forgot its
harness; run by test_suite_catches_mistakes.py in a separate pytest process with the hub's
plugin (this file's name keeps the main run from collecting it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.testing.conformance import InboundConformance, OutboundConformance
from tests.adapters.kit.examples.careless import (
    CarelessInAdapter,
    CarelessOutAdapter,
    SlowStartAdapter,
)
from tests.adapters.kit.examples.folder import FolderOutAdapter
from tests.adapters.kit.examples.folder_harness import FolderInHarness, FolderOutHarness


class _Quick:
    timeout = 1.5
    leak_grace = 0.3
    outage_seconds = 0.5
    start_timeout = 0.5


class CarelessOutHarness(FolderOutHarness):
    def config(self) -> dict[str, Any]:
        return {**super().config(), "token": "env:CARELESS_TOKEN"}


class TestCarelessOut(_Quick, OutboundConformance):
    adapter_class = CarelessOutAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CarelessOutHarness:
        monkeypatch.setenv("CARELESS_TOKEN", "careless-token")
        return CarelessOutHarness(tmp_path, kind="rest-out")


class TestCarelessIn(_Quick, InboundConformance):
    adapter_class = CarelessInAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path) -> FolderInHarness:
        return FolderInHarness(tmp_path, kind="careless-folder-in")


class TestSlowStart(_Quick, InboundConformance):
    adapter_class = SlowStartAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path) -> FolderInHarness:
        return FolderInHarness(tmp_path, kind="slow-start-folder-in")


class TestForgotTheHarness(OutboundConformance):
    """No harness fixture: the plugin's placeholder says what to write."""

    adapter_class = FolderOutAdapter
