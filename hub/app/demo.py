"""The demo: a hub on the embedded broker, fed by simulated departments, and what came out.

Simulated departments publish the sample traffic in ``hub/app/samples/traffic.yaml`` over the same
AMQP contract a real department uses; a worker thread runs the real pipeline; afterwards every
hub queue is read back, so the report shows what actually arrived where, not what was meant to.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from hub.app.sender import Sender, records_from_file
from hub.assembly import Hub
from hub.pipeline.processor import Outcome
from hub.runtime.broker import BrokerSession
from monitor.flow import FlowTally
from schemas.contract.states import EventKind
from schemas.personal import PersonalKind, mask_id_number, personal_values
from schemas.personal.masks import MASK

SAMPLES = Path(__file__).with_name("samples")


class TrafficItem(BaseModel):
    """One file a simulated department sends."""

    model_config = ConfigDict(extra="forbid")

    source: str
    file: str
    type: str | None = None
    note: str = ""


@dataclass
class Delivered:
    """One message read back from a hub queue."""

    queue: str
    record_type: str
    source: str
    credit_code: str | None
    detail: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    #: The people's ID numbers in the delivered payload, masked for the screen, and whether the
    #: destination received them whole (its disclosure policy) or masked as published.
    id_numbers: tuple[str, ...] = ()
    received_whole: bool = False


@dataclass
class DemoReport:
    """What the demo sent, what the pipeline decided, and what the queues held afterwards."""

    sent: int
    outcomes: list[Outcome]
    messages: list[Delivered]
    tally: FlowTally

    @property
    def processed(self) -> int:
        return len(self.outcomes)


def load_traffic(path: Path | None = None) -> list[TrafficItem]:
    path = path or SAMPLES / "traffic.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [TrafficItem.model_validate(item) for item in document["traffic"]]


def run_demo(hub: Hub, traffic: list[TrafficItem], *, timeout: float = 120.0) -> DemoReport:
    """Run the pipeline on ``traffic`` and read every hub queue back. Consumes what it reads."""
    tally = FlowTally()
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        outcomes.append(outcome)
        tally(outcome)

    worker = hub.worker(on_outcome=record)
    thread = threading.Thread(target=worker.run, name="hub-worker", daemon=True)
    thread.start()
    sent = _send_traffic(hub, traffic)
    deadline = time.monotonic() + timeout
    while len(outcomes) < sent and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.stop()
    thread.join()
    with hub.session() as session:
        messages = _read_back(session)
    return DemoReport(sent=sent, outcomes=outcomes, messages=messages, tally=tally)


def _send_traffic(hub: Hub, traffic: list[TrafficItem]) -> int:
    sent = 0
    with hub.session() as session:
        senders: dict[str, Sender] = {}
        for item in traffic:
            sender = senders.setdefault(item.source, Sender(session, item.source))
            for record in records_from_file(SAMPLES / item.file):
                record_type = item.type or record.record_type
                if record_type is None:
                    raise ValueError(f"{item.file}: the traffic file must give a type")
                sender.send(record, record_type)
                sent += 1
        for sender in senders.values():
            sender.confirm()
    return sent


def _read_back(session: BrokerSession) -> list[Delivered]:
    channel = session.default_channel
    messages: list[Delivered] = []
    for queue in session.topology.queues:
        bound = queue(channel)
        while (message := bound.get(no_ack=False)) is not None:
            messages.append(_describe(queue.name, message.body, dict(message.headers or {})))
            message.ack()
    return messages


def _describe(queue: str, body: bytes, headers: dict[str, Any]) -> Delivered:
    if "hub-reasons" in headers:  # a quarantine copy: original body, reasons in a header
        return Delivered(
            queue=queue,
            record_type=str(headers.get("hub-record-type", "")),
            source=str(headers.get("hub-source", "")),
            credit_code=None,
            detail="original body kept",
            reasons=json.loads(headers["hub-reasons"]),
        )
    envelope = json.loads(body)
    payload = envelope["payload"]
    if envelope["record_type"] == "feedback":
        return Delivered(
            queue=queue,
            record_type="feedback",
            source=payload["source"],
            credit_code=payload.get("credit_code"),
            detail=f"{payload['status']} {payload['record_type']}",
            reasons=payload.get("problems", []) + payload.get("repairs", []),
        )
    routed = [h["detail"] for h in envelope["hops"] if h["stage"] in (EventKind.ROUTED, EventKind.REVIEW)]
    numbers = [v.value for v in personal_values(envelope["record_type"], payload)
               if v.kind is PersonalKind.ID_NUMBER]
    return Delivered(
        queue=queue,
        record_type=envelope["record_type"],
        source=envelope["source"],
        credit_code=envelope.get("credit_code"),
        detail=routed[-1] if routed else "",
        id_numbers=tuple(n if MASK in n else mask_id_number(n) for n in numbers),
        received_whole=bool(numbers) and all(MASK not in n for n in numbers),
    )
