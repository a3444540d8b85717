"""The adapter conformance suite, run against ``file-drop`` and ``file-export`` on real folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.file.drop import FileDropAdapter
from adapters.file.export import FileExportAdapter
from adapters.testing.conformance import InboundConformance, OutboundConformance
from tests.adapters.file.harness import FileDropHarness, FileExportHarness


class TestFileDrop(InboundConformance):
    adapter_class = FileDropAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path) -> FileDropHarness:
        return FileDropHarness(tmp_path / "drop")


class TestFileExport(OutboundConformance):
    adapter_class = FileExportAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path) -> FileExportHarness:
        return FileExportHarness(tmp_path / "export")
