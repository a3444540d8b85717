"""The adapter conformance suite for db-poll (both trackings) and db-write, on SQLite and
PostgreSQL, through the harnesses in ``harness.py``."""

from __future__ import annotations

from typing import ClassVar

import pytest

from adapters.db.poll import DbPollAdapter
from adapters.db.write import DbWriteAdapter
from adapters.simulators.front_db import FrontDbSimulator
from adapters.testing.conformance import InboundConformance, OutboundConformance
from tests.adapters.db.harness import DbPollHarness, DbWriteHarness


class TestDbPollByStatus(InboundConformance):
    adapter_class = DbPollAdapter
    outage_seconds: ClassVar[float] = 0.6

    @pytest.fixture
    def harness(
        self, front_db: FrontDbSimulator, monkeypatch: pytest.MonkeyPatch
    ) -> DbPollHarness:
        return DbPollHarness(front_db, monkeypatch.setenv)


class TestDbPollByWatermark(InboundConformance):
    adapter_class = DbPollAdapter
    outage_seconds: ClassVar[float] = 0.6

    @pytest.fixture
    def harness(
        self, front_db: FrontDbSimulator, monkeypatch: pytest.MonkeyPatch
    ) -> DbPollHarness:
        return DbPollHarness(
            front_db, monkeypatch.setenv, tracking="watermark", watermark_column="id",
            mark_errors=True,
        )


class TestDbWrite(OutboundConformance):
    adapter_class = DbWriteAdapter

    @pytest.fixture
    def harness(
        self, front_db: FrontDbSimulator, monkeypatch: pytest.MonkeyPatch
    ) -> DbWriteHarness:
        return DbWriteHarness(front_db, monkeypatch.setenv)
