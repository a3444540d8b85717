"""The conformance suite passes for correct adapters: two written as a third party would, and
the built-in rest-out (registered, so its registry entry is checked too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.rest.outbound import RestOutAdapter
from adapters.testing.conformance import InboundConformance, OutboundConformance
from tests.adapters.kit.examples.folder import FolderInAdapter, FolderOutAdapter
from tests.adapters.kit.examples.folder_harness import FolderInHarness, FolderOutHarness
from tests.adapters.kit.examples.http_system import RecordStore, RestOutHarness


class TestFolderInConforms(InboundConformance):
    adapter_class = FolderInAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path) -> FolderInHarness:
        return FolderInHarness(tmp_path)


class TestFolderOutConforms(OutboundConformance):
    adapter_class = FolderOutAdapter

    @pytest.fixture
    def harness(self, tmp_path: Path) -> FolderOutHarness:
        return FolderOutHarness(tmp_path)


class TestRestOutConforms(OutboundConformance):
    adapter_class = RestOutAdapter

    @pytest.fixture
    def harness(self, monkeypatch: pytest.MonkeyPatch) -> Iterator[RestOutHarness]:
        monkeypatch.setenv("KIT_REST_OUT_TOKEN", "kit-token")
        store = RecordStore().start()
        yield RestOutHarness(store)
        store.stop()
