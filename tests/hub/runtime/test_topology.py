"""The topology's names and arguments: what operators and departments rely on."""

from __future__ import annotations

from hub.runtime.declarations import Topology, TopologyOptions
from schemas.contract.topology import INBOUND, outbound_queue_name


def _args(topology: Topology, name: str) -> dict:
    # kombu declares queue_arguments dynamically; its type hints do not know it.
    return next(q.queue_arguments for q in topology.queues if q.name == name)  # type: ignore[attr-defined]


def test_every_destination_has_an_outbound_queue_and_a_dead_letter_queue() -> None:
    topology = Topology(["market", "tax"], TopologyOptions())
    names = set(topology.queue_names())
    for expected in (
        "hub.inbound", "hub.inbound.retry", "hub.inbound.dead",
        "hub.out.market", "hub.out.market.dead", "hub.out.tax", "hub.out.tax.dead",
        "hub.quarantine", "hub.quarantine.dead", "hub.review", "hub.claim",
    ):
        assert expected in names
    assert _args(topology, "hub.out.market")["x-dead-letter-routing-key"] == "hub.out.market"


def test_hub_owned_destinations_have_their_own_queue_names() -> None:
    assert outbound_queue_name("claim") == "hub.claim"
    assert outbound_queue_name("quarantine") == "hub.quarantine"
    assert outbound_queue_name("police") == "hub.out.police"


def test_queue_type_is_set_on_every_queue_and_quorum_adds_a_delivery_limit() -> None:
    quorum = Topology(["market"], TopologyOptions(queue_type="quorum", delivery_limit=7))
    assert {_args(quorum, q.name)["x-queue-type"] for q in quorum.queues} == {"quorum"}
    assert _args(quorum, "hub.inbound")["x-delivery-limit"] == 7
    classic = Topology(["market"], TopologyOptions(queue_type="classic"))
    assert "x-delivery-limit" not in _args(classic, "hub.inbound")


def test_retried_inputs_return_to_the_inbound_exchange_with_their_own_routing_key() -> None:
    topology = Topology([], TopologyOptions(retry_delay_ms=1234))
    retry = _args(topology, "hub.inbound.retry")
    assert retry["x-dead-letter-exchange"] == INBOUND
    assert "x-dead-letter-routing-key" not in retry
    assert retry["x-message-ttl"] == 1234
