"""Queue depth and consumers, read from the broker at scrape time, on both brokers."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from monitor.queues import QueueCollector
from tests.support.running_hub import RunningHub


def scrape(collector: QueueCollector) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(collector)
    return registry


def test_every_hub_queue_reports_its_depth_and_on_rabbitmq_its_consumers(
    broker_url: str, tmp_path: Path,
) -> None:
    department = RunningHub(broker_url, tmp_path).open()
    try:
        for n in range(3):
            department.publish("market.administrative_licence", b"{}", message_id=f"m{n}")
        topology = department.hub.topology
        embedded = department.settings.is_embedded()
        collector = QueueCollector(broker_url, topology, embedded=embedded)
        reader = RunningHub(broker_url, tmp_path).open()
        consumer = reader.session.consumer(
            next(q for q in topology.queues if q.name == "hub.out.tax"), lambda m: None, prefetch=1
        )
        try:
            registry = scrape(collector)
            depths = {q: registry.get_sample_value("hub_queue_messages", {"queue": q})
                      for q in topology.queue_names()}
            assert depths["hub.inbound"] == 3
            assert {q: d for q, d in depths.items() if q != "hub.inbound"} == {
                q: 0 for q in topology.queue_names() if q != "hub.inbound"}
            consumers = registry.get_sample_value("hub_queue_consumers", {"queue": "hub.out.tax"})
            if embedded:
                assert consumers is None  # the embedded broker keeps no consumer counts
            else:
                assert consumers == 1
                assert registry.get_sample_value(
                    "hub_queue_consumers", {"queue": "hub.inbound"}) == 0
        finally:
            consumer.cancel()
            collector.close()
            reader.close()
    finally:
        department.close()


def test_a_broker_out_of_reach_leaves_the_queue_gauges_out_and_the_scrape_whole(
    tmp_path: Path,
) -> None:
    topology = RunningHub("memory://", tmp_path).hub.topology
    collector = QueueCollector("amqp://guest:guest@127.0.0.1:1/", topology, embedded=False)
    assert list(collector.collect()) == []
    assert scrape(collector).get_sample_value("hub_queue_messages",
                                              {"queue": "hub.inbound"}) is None
