"""Attack: speaking for another authority, through the real pipeline on the real RabbitMQ.

A department publishes a record naming another department as the authority that decided it (or
as the inspector): the hub quarantines it with ``authority.not_sender`` and its original body,
tells the sender why on its own queue, and delivers nothing. A relay (the city platform) passing
on another authority's record is delivered, and the department's own records keep flowing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.config.system_catalogue import SystemCatalogue
from schemas.contract.problems import AUTHORITY_NOT_SENDER
from tests.support.running_hub import RunningHub

pytestmark = pytest.mark.rabbitmq

SAMPLES = Path(__file__).parents[1] / "schemas" / "samples" / "valid"
CATALOGUE = SystemCatalogue.load()
[MARKET] = CATALOGUE.credit_codes("market")
[TAX] = CATALOGUE.credit_codes("tax")


@pytest.fixture
def hub(rabbitmq_url: str, tmp_path: Path) -> Iterator[RunningHub]:
    running = RunningHub(rabbitmq_url, tmp_path).start()
    yield running
    running.close()


def _penalty(code: str, decision_number: str) -> dict[str, Any]:
    record = json.loads((SAMPLES / "administrative_penalty.json").read_text(encoding="utf-8"))
    return {**record, "authority_credit_code": code, "data_source_credit_code": code,
            "decision_number": decision_number}


def _body(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode()


def _send(hub: RunningHub, key: str, body: bytes, message_id: str) -> Any:
    before = len(hub.outcomes)
    hub.publish(key, body, message_id=message_id)
    [outcome] = hub.wait_processed(before + 1)[before:]
    return outcome


def test_market_sending_a_penalty_in_taxs_name_is_quarantined_and_market_hears_why(
    hub: RunningHub,
) -> None:
    body = _body(_penalty(TAX, "闵税罚〔2026〕1号"))
    outcome = _send(hub, "market.administrative_penalty", body, "forged-1")
    assert outcome.status == "rejected" and outcome.destinations == ()

    [quarantined] = hub.read("hub.quarantine", 1)
    assert quarantined.body == body, "the original body is kept"
    reasons = json.loads(quarantined.headers["hub-reasons"])
    assert [(r["code"], r["path"]) for r in reasons] == [
        (AUTHORITY_NOT_SENDER, "authority_credit_code"),
        (AUTHORITY_NOT_SENDER, "data_source_credit_code"),
    ]

    [feedback] = hub.read("hub.out.market", 1)
    payload = feedback.json()["payload"]
    assert payload["status"] == "rejected"
    assert payload["regarding_source_message_id"] == "forged-1"
    assert [p["path"] for p in payload["problems"] if p["code"] == AUTHORITY_NOT_SENDER] == [
        "authority_credit_code", "data_source_credit_code"]
    for queue in ("hub.out.city-platform", "hub.out.credit-platform", "hub.out.tax"):
        assert hub.depth(queue) == 0, f"nothing in tax's name reached {queue}"


def test_police_reporting_an_inspection_as_market_is_refused(hub: RunningHub) -> None:
    record = json.loads((SAMPLES / "inspection_result.json").read_text(encoding="utf-8"))
    assert record["department"] == "market"
    outcome = _send(hub, "police.inspection_result", _body(record), "forged-2")
    assert [(p.code, p.path) for p in outcome.problems] == [(AUTHORITY_NOT_SENDER, "department")]
    [feedback] = hub.read("hub.out.police", 1)
    assert feedback.json()["payload"]["problems"][0]["code"] == AUTHORITY_NOT_SENDER
    assert hub.depth("hub.out.city-platform") == 0


def test_the_city_platform_relaying_a_tax_penalty_is_delivered(hub: RunningHub) -> None:
    outcome = _send(hub, "city-platform.administrative_penalty",
                    _body(_penalty(TAX, "闵税罚〔2026〕2号")), "relayed-1")
    assert outcome.status == "delivered" and outcome.problems == ()
    [delivered] = hub.read("hub.out.credit-platform", 1)
    envelope = delivered.json()
    assert envelope["source"] == "city-platform"
    assert envelope["payload"]["authority_credit_code"] == TAX
    assert hub.depth("hub.quarantine") == 0


def test_markets_own_penalty_still_flows_after_the_forgery(hub: RunningHub) -> None:
    forged = _send(hub, "market.administrative_penalty",
                   _body(_penalty(TAX, "闵税罚〔2026〕3号")), "forged-3")
    assert forged.status == "rejected"
    own = _send(hub, "market.administrative_penalty",
                _body(_penalty(MARKET, "闵市监罚〔2026〕4号")), "own-1")
    assert own.status == "delivered"
    [delivered] = hub.read("hub.out.city-platform", 1)
    assert delivered.json()["payload"]["decision_number"] == "闵市监罚〔2026〕4号"
    assert len(hub.read("hub.quarantine", 1)) == 1 and hub.depth("hub.quarantine") == 0
