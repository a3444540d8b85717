"""Fixtures for the hub's pipeline tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.running_hub import RunningHub

RECORDS = Path(__file__).with_name("records")


@pytest.fixture
def running_hub(broker_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    """A started hub worker on the embedded broker or the real RabbitMQ (both, by param)."""
    hub = RunningHub(broker_url, tmp_path).start()
    yield hub
    hub.stop()
