"""The demo's last act: ask the information service about one entity through each door.

After the simulated world has run, the supervision database holds what the hub delivered. The
demo writes an access policy for one caller (the service hall, its token in a private file of
the demo's folder), starts the three doors on loopback, asks each for the same entity's
profile as a client of that protocol would (HTTP with a bearer token, SOAP with zeep and a
WS-Security PasswordDigest token, an AMQP question with a reply queue of the caller's own) and
reports what each answered. The three answers must be the same profile.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import requests
import yaml
from kombu import Producer, Queue
from sqlalchemy import func, select
from zeep import Client
from zeep.wsse.username import UsernameToken

from adapters.sdk.http_server import HttpServer
from adapters.sdk.regular_files import write_private
from hub.app.amqp.information_door import door_running
from hub.app.http.information_api import INFORMATION_LIMITS, create_app
from hub.app.http.information_soap import soap_door_running
from hub.assembly import Hub
from hub.information.access import AccessPolicy
from hub.information.tables import RecordRow
from hub.runtime.broker import BrokerSession
from schemas.contract.topology import INFORMATION, reply_queue_prefix

#: The demo's caller: the service hall, asking before it grants a licence.
CALLER = "service-hall"
PURPOSE = "行政审批"
_ANSWER_SECONDS = 30.0


@dataclass(frozen=True)
class DoorAnswer:
    """What one door answered: the profile (JSON) or why it did not."""

    door: str
    how: str
    profile: dict[str, Any] | None
    error: str | None = None


def busiest_entity(hub: Hub) -> str | None:
    """The credit code with the most records in the supervision database (None: empty)."""
    store = hub.open_supervision_store()
    try:
        with store.reading() as connection:
            row = connection.execute(
                select(RecordRow.credit_code).where(RecordRow.credit_code.is_not(None))
                .group_by(RecordRow.credit_code)
                .order_by(func.count().desc(), RecordRow.credit_code).limit(1)).first()
    finally:
        store.close()
    return None if row is None else str(row.credit_code)


def ask_every_door(hub: Hub, folder: Path, credit_code: str) -> list[DoorAnswer]:
    """Start the three doors for a demo caller and ask each for ``credit_code``'s profile."""
    token = secrets.token_urlsafe(24)
    token_file = folder / "service-hall.token"
    write_private(token_file, token.encode(), fsync=False)
    policy_file = folder / "information-access.yaml"
    policy_file.write_text(yaml.safe_dump({"callers": [{
        "id": CALLER, "token": f"file:{token_file}", "broker_user": f"dept-{CALLER}",
        "purposes": [PURPOSE], "operations": ["profile", "discipline_check", "search_by_name"],
        "record_types": ["enterprise_registration", "administrative_licence",
                         "administrative_penalty", "inspection_result", "discipline_measure",
                         "discipline_report", "supervision_alert", "credit_record"],
    }]}, allow_unicode=True), encoding="utf-8")
    policy = AccessPolicy.load(policy_file)
    today = date.today().isoformat()
    rest = HttpServer(create_app(hub, policy), host="127.0.0.1", port=0,
                      name="information service", limits=INFORMATION_LIMITS, lifespan=True)
    rest.start()
    try:
        with soap_door_running(hub, policy, host="127.0.0.1", port=0) as soap, \
                door_running(hub, policy) as amqp:
            asks: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
                ("REST", f"GET {rest.url}/entities/{credit_code}",
                 lambda: _rest(rest.url, token, credit_code, today)),
                ("SOAP", f"GetProfile at {soap.url}",
                 lambda: _soap(soap.url, token, credit_code, today)),
                ("AMQP", f"a question to exchange {INFORMATION}",
                 lambda: _amqp(hub, amqp.ready.wait, credit_code, today)),
            ]
            return [_asked(door, how, ask) for door, how, ask in asks]
    finally:
        rest.stop()


def _asked(door: str, how: str, ask: Callable[[], dict[str, Any]]) -> DoorAnswer:
    try:
        return DoorAnswer(door, how, ask())
    except Exception as e:  # noqa: BLE001 - the demo reports a failed door and asks the next
        return DoorAnswer(door, how, None, f"{type(e).__name__}: {e}")


def _rest(url: str, token: str, credit_code: str, today: str) -> dict[str, Any]:
    answer = requests.get(f"{url}/entities/{credit_code}", timeout=_ANSWER_SECONDS,
                       headers={"Authorization": f"Bearer {token}"},
                       params={"purpose": PURPOSE, "as_of": today})
    answer.raise_for_status()
    profile: dict[str, Any] = answer.json()
    return profile


def _soap(url: str, token: str, credit_code: str, today: str) -> dict[str, Any]:
    client = Client(f"{url}?wsdl", wsse=UsernameToken(CALLER, token, use_digest=True))
    answer = client.service.GetProfile(purpose=PURPOSE, creditCode=credit_code, asOf=today)
    profile: dict[str, Any] = json.loads(answer.answer)
    return profile


def _amqp(hub: Hub, door_ready: Callable[[float], bool], credit_code: str, today: str
          ) -> dict[str, Any]:
    if not door_ready(_ANSWER_SECONDS):
        raise TimeoutError("the AMQP door did not start")
    reply = Queue(f"{reply_queue_prefix(CALLER)}demo", durable=False, auto_delete=True)
    question = {"operation": "profile", "purpose": PURPOSE, "credit_code": credit_code,
                "as_of": today}
    correlation_id = str(uuid.uuid4())
    # A publisher on the embedded broker declares the exchanges it publishes to.
    with BrokerSession(hub.settings.resolved_broker_url(), hub.topology) as session:
        channel = session.default_channel
        reply(channel).declare()
        Producer(channel).publish(
            json.dumps(question, ensure_ascii=False).encode(), exchange=INFORMATION,
            routing_key=f"{CALLER}.profile", content_type="application/json",
            content_encoding="binary", reply_to=reply.name, correlation_id=correlation_id,
            user_id=f"dept-{CALLER}")
        deadline = time.monotonic() + _ANSWER_SECONDS
        while (message := reply(channel).get(no_ack=True)) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("no answer from the AMQP door")
            time.sleep(0.1)
    if message.properties.get("correlation_id") != correlation_id:
        raise ValueError("the answer is not for this question")
    body: dict[str, Any] = json.loads(message.body)
    if "answer" not in body:
        raise ValueError(f"the door answered {body.get('error')}")
    profile: dict[str, Any] = body["answer"]
    return profile
