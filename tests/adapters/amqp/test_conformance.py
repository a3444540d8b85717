"""``amqp-direct`` through the adapter conformance suite, on the real RabbitMQ.

The config-spec and lifecycle checks apply as they are, with the department's user made
beforehand and the department connected for the duration of each check (this adapter is
healthy when its department is connected). The checks
that count records at the port do not apply: the broker, not the adapter, takes an amqp
department's records, so they are skipped with the reason, and the module's own tests prove
the same properties on the broker (``PERMS``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from adapters.amqp.direct import AmqpDirectAdapter
from adapters.sdk import Adapter
from adapters.testing import InboundHarness
from adapters.testing.conformance import InboundConformance, running
from tests.adapters.amqp.harness import AmqpDirectHarness

pytestmark = pytest.mark.rabbitmq
NO_PORT = ("the broker, not the adapter, takes an amqp-direct department's records: the "
           "adapter never calls its port")
#: Where the broker's side of those properties is proven.
PERMS = "tests/security/test_department_permissions.py"


class TestAmqpDirectConformance(InboundConformance):
    adapter_class = AmqpDirectAdapter
    #: Management statistics (which health reads) refresh every 5 s.
    timeout: ClassVar[float] = 15.0

    @pytest.fixture
    def harness(self, department: AmqpDirectHarness) -> Iterator[AmqpDirectHarness]:
        department.adapter().start()  # the user exists, so that the department can connect...
        with department.channel():  # ...and stay connected throughout the check
            yield department

    def exercise(self, adapter: Adapter[Any], harness: InboundHarness) -> None:
        assert isinstance(harness, AmqpDirectHarness)
        harness.offer(1)
        assert [key for key, _ in harness.published()] == ["market.administrative_licence"]

    def test_records_offered_during_an_outage_arrive_after_it(
        self, harness: InboundHarness
    ) -> None:
        """An outage of the management API does not stop the department publishing."""
        assert isinstance(harness, AmqpDirectHarness)
        adapter = self.make_adapter(self.config(harness))
        with running(adapter, self.start_timeout):
            self.healthy(adapter)
            with harness.outage():
                harness.offer(self.batch)
                assert not adapter.health().ok
        assert [key for key, _ in harness.published()] == (
            ["market.administrative_licence"] * self.batch)

    @pytest.mark.skip(reason=NO_PORT + f"; {PERMS}: offered records reach hub.inbound")
    def test_offered_records_are_submitted(self, harness: InboundHarness) -> None: ...

    @pytest.mark.skip(reason=NO_PORT + " and keeps no checkpoint")
    def test_a_restart_with_the_same_checkpoints_submits_nothing_again(
        self, harness: InboundHarness
    ) -> None: ...

    @pytest.mark.skip(reason=NO_PORT + f"; {PERMS}: the broker refuses a bad publish")
    def test_a_bad_record_is_rejected_once_with_a_reason_code_and_its_bytes(
        self, harness: InboundHarness
    ) -> None: ...

    @pytest.mark.skip(reason=NO_PORT + "; while the hub is away records wait in hub.inbound")
    def test_nothing_is_marked_taken_while_the_hub_refuses_records(
        self, harness: InboundHarness
    ) -> None: ...
