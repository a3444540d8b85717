"""Attacks at the rest-pull door, against the real RabbitMQ and the real pipeline.

A polled system answering a page the hub's strict JSON reader refuses (here: duplicate keys)
gets it quarantined once, with the reader's reason, and hears why on its ``hub.out.<id>`` queue,
however often it serves the page again; nothing after the page is skipped, and once the system
fixes it the records behind it flow.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.rest.pull import RestPullAdapter, RestPullConfig
from adapters.sdk import PermanentError
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.testing import MemoryCheckpoints
from hub.hosting.adapter_host import BrokerInboundPort
from schemas.contract.topology import outbound_queue_name
from tests.adapters.rest.harness import FAST_POLL, credit_record, running
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq

SOURCE = "credit-platform"
#: A page whose items the hub must not guess at: the item list appears twice.
BAD_PAGE = (b'{"items": [{"seq": 3, "record": {"record_id": "XY-3"}}], '
            b'"items": [{"seq": 4, "record": {"record_id": "XY-4"}}]}')


@pytest.fixture
def credit_platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[CreditPlatformSimulator]:
    yield from running(CreditPlatformSimulator(), monkeypatch)


def test_a_refused_page_is_quarantined_once_with_feedback_and_the_fixed_feed_flows(
    rabbitmq_url: str, tmp_path: Path, credit_platform: CreditPlatformSimulator
) -> None:
    hub = RunningHub(rabbitmq_url, tmp_path).start()
    port = BrokerInboundPort(rabbitmq_url, hub.hub.topology, SOURCE, "rest-pull",
                             MemoryCheckpoints())
    adapter = RestPullAdapter(
        RestPullConfig.model_validate({**credit_platform.pull_entry(), **FAST_POLL}),
        system=SOURCE, port=port)
    try:
        for n in (1, 2):
            credit_platform.emit(credit_record(n), "credit_record")
        assert adapter.poll_once() == 2
        for n in (3, 4):
            credit_platform.emit(credit_record(n), "credit_record")
        credit_platform.break_feed(BAD_PAGE, since=2)
        for _ in range(4):  # the system keeps serving the bad page
            with pytest.raises(PermanentError, match="json.duplicate_key"):
                adapter.poll_once()
            assert not adapter.health().ok

        *taken, refused = hub.wait_processed(3)
        assert [o.status for o in taken] == ["delivered", "delivered"]
        assert refused.status == "rejected"
        assert refused.problems[0].code == "adapter.malformed"
        (kept,) = hub.read("hub.quarantine", 1)
        assert kept.body == BAD_PAGE  # nothing lost
        feedback = [m.json()["payload"] for m in hub.read(outbound_queue_name(SOURCE), 1)]
        assert [(f["status"], f["problems"][0]["code"]) for f in feedback] == [
            ("rejected", "adapter.malformed")]
        assert feedback[0]["problems"][0]["message"].startswith("json.duplicate_key:")

        time.sleep(1.0)  # time for a second copy to show, were there one
        assert len(hub.outcomes) == 3
        assert hub.depth("hub.quarantine") == 0
        assert hub.depth(outbound_queue_name(SOURCE)) == 0

        credit_platform.break_feed(None)  # the system fixes the page
        assert adapter.poll_once() == 2
        assert adapter.health().ok
        fixed = hub.wait_processed(5)[3:]
        assert [o.status for o in fixed] == ["delivered", "delivered"]
        assert [o.payload["record_id"] for o in fixed if o.payload] == ["XY-3", "XY-4"]
    finally:
        adapter.stop()
        port.close()
        hub.close()
