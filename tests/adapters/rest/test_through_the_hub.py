"""The rest adapters feeding a running hub through the core's broker port (embedded broker and
real RabbitMQ): pushed and pulled records are processed like any department's, and a malformed
push is quarantined with its reason and answered with feedback to the source.

One test per broker, because starting a hub dominates its cost."""

from __future__ import annotations

import json
from pathlib import Path

from adapters.legal_entity import LegalEntityFeedAdapter, LegalEntityFeedConfig
from adapters.rest.push import RestPushAdapter, RestPushConfig
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.service_hall import ServiceHallSimulator
from adapters.testing import sample_licence
from hub.hosting.adapter_host import BrokerInboundPort
from hub.journal import Journal
from schemas.contract.topology import outbound_queue_name
from tests.adapters.rest.harness import registration
from tests.support.running_hub import RunningHub


def test_pushed_and_pulled_records_are_processed_and_a_malformed_push_is_answered(
    broker_url: str, tmp_path: Path, service_hall: ServiceHallSimulator,
    library: LegalEntityLibrarySimulator,
) -> None:
    hub = RunningHub(broker_url, tmp_path).start()
    journal = Journal.open(hub.settings.resolved_journal_url())
    push_port = BrokerInboundPort(broker_url, hub.hub.topology, "service-hall", "rest-push",
                                  journal.checkpoints("service-hall/rest-push"))
    pull_port = BrokerInboundPort(broker_url, hub.hub.topology, "legal-entity-library",
                                  "legal-entity-feed", journal.checkpoints("library/feed"))
    webhook = RestPushAdapter(RestPushConfig.model_validate(service_hall.push_entry()),
                              system="service-hall", port=push_port)
    feed = LegalEntityFeedAdapter(
        LegalEntityFeedConfig.model_validate(library.connection()["inbound"][0]),
        system="legal-entity-library", port=pull_port)
    try:
        webhook.start()
        service_hall.emit(sample_licence("0007"), "administrative_licence")
        status, answer = service_hall.push_raw(b'{"licence_number": ', "administrative_licence")
        library.emit(registration(1), "enterprise_registration")
        library.emit(registration(2), "enterprise_registration")
        assert feed.poll_once() == 2

        assert status == 400 and answer["error"]["code"] == "adapter.malformed"
        licence, malformed, *registrations = hub.wait_processed(4)
        assert (licence.status, licence.source) == ("delivered", "service-hall")
        assert licence.payload is not None and licence.payload["licence_number"] == "JY0007"
        assert malformed.status == "rejected"
        (quarantined,) = hub.read("hub.quarantine", 1)
        assert quarantined.body == b'{"licence_number": '
        (feedback,) = hub.read(outbound_queue_name("service-hall"), 1)
        assert feedback.json()["payload"]["problems"][0]["code"] == "adapter.malformed"

        assert [(o.status, o.source, o.record_type) for o in registrations] == [
            ("delivered", "legal-entity-library", "enterprise_registration")] * 2
        assert [o.payload["name"] for o in registrations if o.payload] == [
            registration(1)["name"], registration(2)["name"]]
        stored = journal.checkpoints("library/feed").get("watermark")
        assert stored is not None and json.loads(stored)["cursor"] == "2"
    finally:
        webhook.stop()
        feed.stop()
        push_port.close()
        pull_port.close()
        journal.close()
        hub.close()
