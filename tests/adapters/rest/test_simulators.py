"""The three REST simulators: their connections-file entries work, ``emit`` reaches the hub's
adapters in each system's own way, and what the hub delivers with rest-out is held once."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from adapters.registry import BUILTIN_ADAPTERS, AdapterRegistry
from adapters.rest.outbound import RestOutAdapter, RestOutConfig
from adapters.rest.pull import RestPullAdapter, RestPullConfig
from adapters.rest.push import RestPushAdapter, RestPushConfig
from adapters.sdk import PermanentError, TransientError
from adapters.simulators.credit_platform import CreditPlatformSimulator
from adapters.simulators.legal_entity_library import LegalEntityLibrarySimulator
from adapters.simulators.rest_system import PushFailed, PushingSystem
from adapters.simulators.service_hall import ServiceHallSimulator
from adapters.simulators.simulator import Simulator
from adapters.testing import RecordingPort, sample_envelope, sample_licence
from hub.config.system_catalogue import SystemCatalogue
from hub.hosting.connections import Connections
from schemas.contract.envelope import Envelope
from tests.adapters.rest.harness import as_port, credit_record

PENALTY = json.loads((Path(__file__).parents[3] / "hub" / "app" / "samples"
                      / "police-penalty-bad-credit-code.json").read_text("utf-8"))


def test_the_connection_entries_load_as_a_connections_file(
    credit_platform: CreditPlatformSimulator, service_hall: ServiceHallSimulator,
    library: LegalEntityLibrarySimulator, tmp_path: Path,
) -> None:
    simulators: list[Simulator] = [credit_platform, service_hall, library]
    text = yaml.safe_dump({"connections": {s.system: s.connection() for s in simulators}},
                          allow_unicode=True)
    for simulator in simulators:
        for secret in simulator.environment().values():
            assert secret not in text, "a credential is written into the connections file"
    path = tmp_path / "connections.yaml"
    path.write_text(text, encoding="utf-8")
    registry = AdapterRegistry({**BUILTIN_ADAPTERS, "legal-entity-feed":
                                "adapters.legal_entity.feed:LegalEntityFeedAdapter"},
                               discover=False)
    connections = Connections.load(path, SystemCatalogue.load().ids, registry)
    kinds = {c.system: ([a.kind for a in c.inbound], c.outbound and c.outbound.kind)
             for c in connections}
    assert kinds == {
        "credit-platform": (["rest-push", "rest-pull"], "rest-out"),
        "service-hall": (["rest-push"], "rest-out"),
        "legal-entity-library": (["legal-entity-feed"], None),
    }
    assert all(c.mode == "rest" for c in connections)


def start_push(system: PushingSystem, port: RecordingPort) -> RestPushAdapter:
    adapter = RestPushAdapter(RestPushConfig.model_validate(system.push_entry()),
                              system=system.system, port=as_port(port))
    adapter.start()
    return adapter


def test_the_credit_platform_pushes_supervision_records_and_serves_credit_records(
    credit_platform: CreditPlatformSimulator,
) -> None:
    pushed = RecordingPort("credit-platform")
    webhook = start_push(credit_platform, pushed)
    try:
        credit_platform.emit(PENALTY, "administrative_penalty")
        credit_platform.emit(credit_record("7"), "credit_record")
    finally:
        webhook.stop()
    (record,) = pushed.submitted
    assert (json.loads(record.body), record.record_type) == (PENALTY, "administrative_penalty")

    pulled = RecordingPort("credit-platform")
    RestPullAdapter(RestPullConfig.model_validate(credit_platform.pull_entry()),
                    system="credit-platform", port=as_port(pulled)).poll_once()
    assert [json.loads(r.body) for r in pulled.submitted] == [credit_record("7")]
    with pytest.raises(ValueError, match="not administrative_licence"):
        credit_platform.emit(sample_licence(), "administrative_licence")


def test_the_service_hall_pushes_a_licence_as_soon_as_the_hub_listens(
    service_hall: ServiceHallSimulator,
) -> None:
    port = RecordingPort("service-hall")
    licence = sample_licence("0042")
    emitting = threading.Thread(target=service_hall.emit, args=(licence, "administrative_licence"))
    emitting.start()  # the hub is not listening yet: the hall retries
    webhook = start_push(service_hall, port)
    try:
        emitting.join(10)
        assert not emitting.is_alive()
    finally:
        webhook.stop()
    (record,) = port.submitted
    assert json.loads(record.body) == licence
    assert record.source_message_id == licence["decision_document_number"]
    assert service_hall.pusher.answers[-1]["accepted"][0]["index"] == 0


def test_a_push_the_hub_refuses_is_reported_to_the_emitter(
    service_hall: ServiceHallSimulator,
) -> None:
    webhook = start_push(service_hall, RecordingPort("service-hall"))
    try:
        with pytest.raises(PushFailed, match="400") as failed:
            service_hall.pusher.push("administrative_licence", b"{broken")
    finally:
        webhook.stop()
    assert failed.value.answer is not None
    assert failed.value.answer["error"]["code"] == "adapter.malformed"


def rest_out(system: PushingSystem) -> RestOutAdapter:
    return RestOutAdapter(RestOutConfig.model_validate(system.out_entry()), system=system.system)


@pytest.mark.parametrize("fixture", ["credit_platform", "service_hall"])
def test_redelivery_through_rest_out_is_held_once(fixture: str,
                                                  request: pytest.FixtureRequest) -> None:
    system: PushingSystem = request.getfixturevalue(fixture)
    envelope = sample_envelope()
    adapter = rest_out(system)
    adapter.deliver(envelope, envelope.to_bytes())
    adapter.deliver(envelope, envelope.to_bytes())
    adapter.stop()
    resent = Envelope.model_validate({**envelope.model_dump(), "message_id": "resent"})
    again = rest_out(system)
    again.deliver(resent, resent.to_bytes())
    again.stop()
    assert system.inbox.deliveries == 3  # every delivery reached the system ...
    held: list[dict[str, Any]] = system.received()  # ... which kept one
    assert [e["content_hash"] for e in held] == [envelope.content_hash]
    assert held[0]["message_id"] == envelope.message_id


def test_rest_out_failures_are_classified_and_nothing_is_lost(
    credit_platform: CreditPlatformSimulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    envelope = sample_envelope()
    adapter = rest_out(credit_platform)
    try:
        with credit_platform.inbox.answering(503), pytest.raises(TransientError, match="503"):
            adapter.deliver(envelope, envelope.to_bytes())
        with credit_platform.inbox.answering(422), pytest.raises(PermanentError, match="422"):
            adapter.deliver(envelope, envelope.to_bytes())
        monkeypatch.setenv(credit_platform.out_variable, "stale-token")
        with pytest.raises(PermanentError, match="401"):
            adapter.deliver(envelope, envelope.to_bytes())
        monkeypatch.setenv(credit_platform.out_variable, credit_platform.out_token)
        with credit_platform.server.outage(502), pytest.raises(TransientError, match="502"):
            adapter.deliver(envelope, envelope.to_bytes())
        assert credit_platform.received() == []
        adapter.deliver(envelope, envelope.to_bytes())
    finally:
        adapter.stop()
    assert credit_platform.inbox.keys() == [envelope.content_hash]


def test_the_simulated_systems_are_in_the_catalogue(
    credit_platform: CreditPlatformSimulator, service_hall: ServiceHallSimulator,
    library: LegalEntityLibrarySimulator,
) -> None:
    catalogue = SystemCatalogue.load()
    assert all(s in catalogue for s in (credit_platform.system, service_hall.system,
                                        library.system))
    assert library.received() == []  # the library takes nothing from the hub
