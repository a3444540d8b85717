"""The conformance suite for the rest adapters, against the simulators over real HTTP."""

from __future__ import annotations

import pytest

from adapters.legal_entity.feed import LegalEntityFeedAdapter
from adapters.rest.outbound import RestOutAdapter
from adapters.rest.pull import RestPullAdapter
from adapters.rest.push import RestPushAdapter
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.service_hall import ServiceHallSimulator
from adapters.testing.conformance import InboundConformance, OutboundConformance
from tests.adapters.rest.harness import (
    LegalEntityFeedHarness,
    RestOutHarness,
    RestPullHarness,
    RestPushHarness,
)


class TestRestPull(InboundConformance):
    adapter_class = RestPullAdapter
    system = "credit-platform"

    @pytest.fixture
    def harness(self, credit_platform: CreditPlatformSimulator,
                monkeypatch: pytest.MonkeyPatch) -> RestPullHarness:
        return RestPullHarness(credit_platform, monkeypatch.setenv)


class TestLegalEntityFeed(InboundConformance):
    adapter_class = LegalEntityFeedAdapter
    system = "legal-entity-library"

    @pytest.fixture
    def harness(self, library: LegalEntityLibrarySimulator,
                monkeypatch: pytest.MonkeyPatch) -> LegalEntityFeedHarness:
        return LegalEntityFeedHarness(library, monkeypatch.setenv)


class TestRestPush(InboundConformance):
    adapter_class = RestPushAdapter
    system = "service-hall"

    @pytest.fixture
    def harness(self, service_hall: ServiceHallSimulator,
                monkeypatch: pytest.MonkeyPatch) -> RestPushHarness:
        return RestPushHarness(service_hall, monkeypatch.setenv)


class TestRestOutToTheCreditPlatform(OutboundConformance):
    adapter_class = RestOutAdapter
    system = "credit-platform"

    @pytest.fixture
    def harness(self, credit_platform: CreditPlatformSimulator,
                monkeypatch: pytest.MonkeyPatch) -> RestOutHarness:
        return RestOutHarness(credit_platform, monkeypatch.setenv)


class TestRestOutToTheServiceHall(OutboundConformance):
    adapter_class = RestOutAdapter
    system = "service-hall"

    @pytest.fixture
    def harness(self, service_hall: ServiceHallSimulator,
                monkeypatch: pytest.MonkeyPatch) -> RestOutHarness:
        return RestOutHarness(service_hall, monkeypatch.setenv)
