"""Running simulators for the rest tests, each with its credentials in the environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.service_hall import ServiceHallSimulator


@pytest.fixture
def credit_platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[CreditPlatformSimulator]:
    simulator = CreditPlatformSimulator()
    simulator.start()
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    yield simulator
    simulator.stop()


@pytest.fixture
def service_hall(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceHallSimulator]:
    simulator = ServiceHallSimulator()
    simulator.start()
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    yield simulator
    simulator.stop()


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> Iterator[LegalEntityLibrarySimulator]:
    simulator = LegalEntityLibrarySimulator()
    simulator.start()
    for name, value in simulator.environment().items():
        monkeypatch.setenv(name, value)
    yield simulator
    simulator.stop()
