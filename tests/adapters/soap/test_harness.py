"""The harnesses drive the real systems as the conformance suite will: a mini run of the suite's
checks against soap-serve and soap-call proves they do what their protocols promise."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from adapters.sdk import PermanentError, TransientError
from adapters.soap.call import SoapCallAdapter, SoapCallConfig
from adapters.soap.serve import SoapServeConfig
from adapters.testing import InboundHarness, OutboundHarness, RecordingPort
from tests.adapters.soap.conftest import envelope_for, licence, serve_adapter
from tests.adapters.soap.harness import SoapCallHarness, SoapServeHarness


@pytest.fixture
def inbound() -> Iterator[SoapServeHarness]:
    harness = SoapServeHarness()
    yield harness
    harness.close()


@pytest.fixture
def outbound() -> Iterator[SoapCallHarness]:
    harness = SoapCallHarness()
    yield harness
    harness.close()


def test_the_inbound_harness_feeds_soap_serve_good_and_bad_records(
    inbound: SoapServeHarness,
) -> None:
    harness: InboundHarness = inbound
    port = RecordingPort("city-platform")
    harness.offer(2)  # before the adapter listens: the caller keeps trying
    adapter = serve_adapter(SoapServeConfig.model_validate(harness.config()), port)
    adapter.start()
    try:
        port.wait_for(submitted=2)
        harness.offer_bad()
        port.wait_for(rejected=1)
        assert port.rejected[0].problem.code == "adapter.malformed"
        with harness.outage():
            harness.offer(1)
            time.sleep(0.3)
            assert len(port.submitted) == 2  # the caller is down: nothing arrives
            assert adapter.health().ok
        port.wait_for(submitted=3)
        inbound.wait_sent()
        assert len(inbound.answers) == 3
    finally:
        adapter.stop()


def test_the_outbound_harness_shows_deliveries_once_outages_and_refusals(
    outbound: SoapCallHarness,
) -> None:
    harness: OutboundHarness = outbound
    adapter = SoapCallAdapter(SoapCallConfig.model_validate(harness.config()),
                              system="city-platform")
    first, second = envelope_for(), envelope_for(licence("JY23101120000002"))
    for envelope in (first, second, first):
        adapter.deliver(envelope, envelope.to_bytes())
    assert harness.received() == [first.content_hash, second.content_hash]
    third = envelope_for(licence("JY23101120000003"))
    with harness.outage(), pytest.raises(TransientError):
        adapter.deliver(third, third.to_bytes())
    with harness.refusing(), pytest.raises(PermanentError):
        adapter.deliver(third, third.to_bytes())
    assert len(harness.received()) == 2
    adapter.stop()
