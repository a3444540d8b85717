"""The online government service hall (网上政务大厅), simulated over HTTP on loopback.

- On :meth:`~ServiceHallSimulator.emit` of an ``administrative_licence`` it pushes the
  licensing result to the hub's ``rest-push`` webhook at once (retrying while the hub is away).
- ``POST /supervision-data``: where the hub's ``rest-out`` delivers supervision data for the
  government services; stored once per ``Idempotency-Key``; ``inbox.answering(503 or 422)``
  makes it refuse.
"""

from __future__ import annotations

from typing import Any

from adapters.simulators.rest_system import PushingSystem


class ServiceHallSimulator(PushingSystem):
    """Pushes licensing results in real time; receives supervision data."""

    system = "service-hall"
    name = "网上政务大厅"
    pushes = ("administrative_licence",)
    subscribes = ("administrative_penalty", "inspection_result", "discipline_measure",
                  "supervision_alert")
    inbox_path = "/supervision-data"
    id_field = "decision_document_number"

    def __init__(self, *, push_port: int | None = None, env_prefix: str = "SERVICE_HALL") -> None:
        super().__init__(push_port=push_port, env_prefix=env_prefix)

    def connection(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mode": "rest",
            "provides": list(self.pushes),
            "subscribes": list(self.subscribes),
            "inbound": [self.push_entry()],
            "outbound": self.out_entry(),
        }

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        self.push(record, record_type)
