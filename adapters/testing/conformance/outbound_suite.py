"""The outbound checks: a delivered envelope is held once; outages and refusals are classified.

Every check delivers fresh sample envelopes (:func:`adapters.testing.samples.sample_envelope`),
so a harness whose system keeps its data between tests does not see collisions.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from adapters.sdk import (
    Adapter,
    AdapterConfig,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
    TransientError,
)
from adapters.testing.conformance.suite_base import AdapterConformance, running
from adapters.testing.harness import OutboundHarness
from adapters.testing.samples import sample_envelope
from schemas.contract.envelope import Envelope


def deliver(adapter: OutboundAdapter[Any], envelope: Envelope) -> None:
    """Deliver as the hub's delivery runner does: the envelope and its JSON body."""
    adapter.deliver(envelope, envelope.to_bytes())


class OutboundConformance(AdapterConformance):
    """Subclass with ``adapter_class`` set and a ``harness`` fixture (an OutboundHarness)."""

    config_base: ClassVar[type[AdapterConfig]] = OutboundConfig
    adapter_base: ClassVar[type] = OutboundAdapter
    direction: ClassVar[str] = "outbound"

    def make_adapter(self, config: AdapterConfig) -> OutboundAdapter[Any]:
        cls: Any = self.adapter_class
        adapter: OutboundAdapter[Any] = cls(config, system=self.system)
        return adapter

    def exercise(self, adapter: Adapter[Any], harness: OutboundHarness) -> None:
        assert isinstance(adapter, OutboundAdapter)
        deliver(adapter, sample_envelope())

    def held(self, harness: OutboundHarness, envelope: Envelope) -> int:
        return harness.received().count(envelope.content_hash)

    def refused(
        self, adapter: OutboundAdapter[Any], envelope: Envelope, expected: type[Exception],
        situation: str,
    ) -> None:
        """Deliver, expecting ``expected``; anything else fails naming what was raised."""
        try:
            deliver(adapter, envelope)
        except expected:
            return
        except Exception as e:  # noqa: BLE001 - the wrong kind of failure is the finding
            pytest.fail(f"{situation} deliver() raised {type(e).__name__}({e}), not "
                        f"{expected.__name__}", pytrace=False)
        pytest.fail(f"{situation} deliver() returned instead of raising {expected.__name__}",
                    pytrace=False)

    def test_a_delivered_record_is_held_by_the_system(self, harness: OutboundHarness) -> None:
        first, second = sample_envelope(), sample_envelope()
        with running(self.make_adapter(self.config(harness)), self.start_timeout) as adapter:
            assert isinstance(adapter, OutboundAdapter)
            deliver(adapter, first)
            deliver(adapter, second)
        assert self.held(harness, first) == 1, "the system does not hold the delivered record"
        assert self.held(harness, second) == 1, "the system does not hold the second record"

    def test_delivering_the_same_record_twice_leaves_one(self, harness: OutboundHarness) -> None:
        envelope = sample_envelope()
        with running(self.make_adapter(self.config(harness)), self.start_timeout) as adapter:
            assert isinstance(adapter, OutboundAdapter)
            deliver(adapter, envelope)
            deliver(adapter, envelope)
        # Redelivered after a restart, with a new message id: only the content hash is shared.
        resent = Envelope.model_validate({**envelope.model_dump(), "message_id": "resent"})
        with running(self.make_adapter(self.config(harness)), self.start_timeout) as adapter:
            assert isinstance(adapter, OutboundAdapter)
            deliver(adapter, resent)
        assert self.held(harness, envelope) == 1, (
            f"the system holds {self.held(harness, envelope)} copies of one record: use "
            "envelope.content_hash as the idempotency key")

    def test_an_outage_is_a_transient_error_and_the_record_arrives_after_it(
        self, harness: OutboundHarness
    ) -> None:
        envelope = sample_envelope()
        with running(self.make_adapter(self.config(harness)), self.start_timeout) as adapter:
            assert isinstance(adapter, OutboundAdapter)
            with harness.outage():
                self.refused(adapter, envelope, TransientError, "during an outage")
            deliver(adapter, envelope)  # the same adapter recovers: no restart needed
        assert self.held(harness, envelope) == 1, "the record retried after the outage is missing"

    def test_a_refusal_is_a_permanent_error_and_nothing_is_stored(
        self, harness: OutboundHarness
    ) -> None:
        refused, later = sample_envelope(), sample_envelope()
        with running(self.make_adapter(self.config(harness)), self.start_timeout) as adapter:
            assert isinstance(adapter, OutboundAdapter)
            with harness.refusing():
                self.refused(adapter, refused, PermanentError, "while the system refuses records")
            deliver(adapter, later)  # a refusal does not break the adapter
        assert self.held(harness, refused) == 0, "a refused record is held by the system"
        assert self.held(harness, later) == 1, "the adapter stopped delivering after a refusal"
