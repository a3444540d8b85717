"""Running simulators for the rest tests, each with its credentials in the environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.service_hall import ServiceHallSimulator
from tests.adapters.rest.harness import running


@pytest.fixture
def credit_platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[CreditPlatformSimulator]:
    yield from running(CreditPlatformSimulator(), monkeypatch)


@pytest.fixture
def service_hall(monkeypatch: pytest.MonkeyPatch) -> Iterator[ServiceHallSimulator]:
    yield from running(ServiceHallSimulator(), monkeypatch)


@pytest.fixture
def library(monkeypatch: pytest.MonkeyPatch) -> Iterator[LegalEntityLibrarySimulator]:
    yield from running(LegalEntityLibrarySimulator(), monkeypatch)
