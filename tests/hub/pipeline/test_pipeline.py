"""The pipeline end to end, on the embedded broker and on the real RabbitMQ."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from hub.app.demo import SAMPLES
from schemas.contract.errors import ConfigError
from tests.hub.conftest import RECORDS
from tests.support.running_hub import RunningHub

LICENCE_JSON = (RECORDS / "licence.json").read_bytes()
LICENCE_XML = (RECORDS / "licence.xml").read_bytes()


def test_a_json_licence_reaches_each_destination_once_in_the_unified_form(
    running_hub: RunningHub,
) -> None:
    running_hub.publish(
        "market.administrative_licence", LICENCE_JSON, message_id="m-1", correlation_id="c-1"
    )
    [outcome] = running_hub.wait_processed(1)
    assert outcome.status == "delivered"
    assert outcome.destinations == ("city-platform", "credit-platform", "supervision-db")
    for destination in outcome.destinations:
        [message] = running_hub.read(f"hub.out.{destination}", 1)
        envelope = message.json()
        assert envelope["source"] == "market"
        assert envelope["record_type"] == "administrative_licence"
        assert envelope["source_message_id"] == "m-1"
        assert envelope["correlation_id"] == "c-1"
        assert envelope["credit_code"] == "91310112087994932F"
        assert envelope["payload"]["decision_date"] == "2026-11-02"  # was 2026/11/02
        assert [hop["stage"] for hop in envelope["hops"]] == ["received", "standardised", "routed"]
        assert message.headers["hub-content-hash"] == envelope["content_hash"]
        assert message.properties["delivery_mode"] == 2
    assert running_hub.depth("hub.quarantine") == 0
    assert running_hub.depth("hub.out.market") == 0, "no feedback for a clean record by default"


def test_the_same_record_in_xml_and_in_json_has_one_idempotency_key(
    running_hub: RunningHub,
) -> None:
    running_hub.publish("market.administrative_licence", LICENCE_JSON)
    running_hub.publish("market.administrative_licence", LICENCE_XML, content_type="application/xml")
    assert [o.status for o in running_hub.wait_processed(2)] == ["delivered", "delivered"]
    first, second = running_hub.read("hub.out.city-platform", 2)
    assert first.json()["message_id"] != second.json()["message_id"]
    assert first.json()["content_hash"] == second.json()["content_hash"]
    assert first.json()["payload"] == second.json()["payload"]


def test_dual_notification_goes_to_approving_departments_and_unmatched_items_to_claim(
    running_hub: RunningHub,
) -> None:
    registrations = json.loads((SAMPLES / "registrations.json").read_bytes())
    for registration in registrations:
        body = json.dumps(registration, ensure_ascii=False).encode()
        running_hub.publish("legal-entity-library.enterprise_registration", body)
    matched, unmatched = running_hub.wait_processed(2)
    assert set(matched.destinations) == {"city-platform", "market", "construction",
                                         "supervision-db"}
    assert set(unmatched.destinations) == {"city-platform", "claim", "supervision-db"}
    [claim] = running_hub.read("hub.claim", 1)
    assert claim.json()["credit_code"] == registrations[1]["credit_code"]
    for department in ("market", "construction"):
        [notified] = running_hub.read(f"hub.out.{department}", 1)
        assert notified.json()["credit_code"] == registrations[0]["credit_code"]


def test_a_discipline_measure_reaches_every_enforcing_department(running_hub: RunningHub) -> None:
    body = (SAMPLES / "tax-discipline.json").read_bytes()
    running_hub.publish("tax.discipline_measure", body)
    [outcome] = running_hub.wait_processed(1)
    for department in ("commerce", "construction", "housing"):
        assert department in outcome.destinations
        [message] = running_hub.read(f"hub.out.{department}", 1)
        assert message.json()["payload"]["discipline_id"] == "LHCJ-2026-0042"


def test_a_full_width_credit_code_is_repaired_delivered_and_reported_to_its_source(
    running_hub: RunningHub,
) -> None:
    body = (SAMPLES / "culture-licence-fullwidth-code.json").read_bytes()
    running_hub.publish("culture.administrative_licence", body, message_id="culture-7")
    [outcome] = running_hub.wait_processed(1)
    assert outcome.status == "delivered"
    [delivered] = running_hub.read("hub.out.city-platform", 1)
    assert delivered.json()["payload"]["party"]["credit_code"] == "91310112MA1LF6006C"
    [feedback] = running_hub.read("hub.out.culture", 1)
    payload = feedback.json()["payload"]
    assert payload["status"] == "repaired"
    assert payload["regarding_source_message_id"] == "culture-7"
    assert payload["repairs"][0]["path"] == "party.credit_code"



@pytest.mark.rabbitmq
def test_the_pipeline_runs_unchanged_on_quorum_queues(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub]
) -> None:
    hub = make_hub(rabbitmq_url, queue_type="quorum", delivery_limit=3).start()
    hub.publish("market.administrative_licence", LICENCE_JSON)
    [outcome] = hub.wait_processed(1)
    assert outcome.status == "delivered"
    assert len(hub.read("hub.out.credit-platform", 1)) == 1
    vhost = rabbitmq_url.rsplit("/", 1)[1]
    listing = subprocess.run(
        ["rabbitmqctl", "-q", "list_queues", "-p", vhost, "name", "type"],
        capture_output=True, text=True, check=True,
    ).stdout
    types = dict(line.split("\t") for line in listing.splitlines()[1:] if "\t" in line)
    assert types["hub.inbound"] == "quorum" and types["hub.out.market"] == "quorum"


@pytest.mark.rabbitmq
def test_changing_the_queue_type_of_existing_queues_is_a_clear_configuration_error(
    rabbitmq_url: str, make_hub: Callable[..., RunningHub]
) -> None:
    make_hub(rabbitmq_url, queue_type="quorum").open()
    with pytest.raises(ConfigError, match="another queue type"):
        make_hub(rabbitmq_url, queue_type="classic").open()
