"""The conformance suite for the soap adapters, against a city-like caller and the city
simulator over real SOAP on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from adapters.soap.call import SoapCallAdapter
from adapters.soap.serve import SoapServeAdapter
from adapters.testing.conformance import InboundConformance, OutboundConformance
from tests.adapters.soap.harness import SoapCallHarness, SoapServeHarness


class TestSoapServe(InboundConformance):
    adapter_class = SoapServeAdapter
    system = "city-platform"

    @pytest.fixture
    def harness(self) -> Iterator[SoapServeHarness]:
        harness = SoapServeHarness()
        yield harness
        harness.close()


class TestSoapCallToTheCityPlatform(OutboundConformance):
    adapter_class = SoapCallAdapter
    system = "city-platform"

    @pytest.fixture
    def harness(self) -> Iterator[SoapCallHarness]:
        harness = SoapCallHarness()
        yield harness
        harness.close()
