"""Fixtures for the hub's pipeline tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.running_hub import RunningHub

RECORDS = Path(__file__).with_name("records")


@pytest.fixture
def running_hub(broker_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    """A started hub worker on the embedded broker or the real RabbitMQ (both, by param)."""
    hub = RunningHub(broker_url, tmp_path).start()
    yield hub
    hub.close()


@pytest.fixture
def make_hub(tmp_path: Path) -> Iterator[Callable[..., RunningHub]]:
    """Build unstarted hubs with their own settings; all are stopped and closed afterwards."""
    made: list[RunningHub] = []

    def make(broker_url: str, **settings: Any) -> RunningHub:
        hub = RunningHub(broker_url, tmp_path, **settings)
        made.append(hub)
        return hub

    yield make
    for hub in made:
        hub.close()
