"""Simulated district departments, one per exchange mode the hub meets them in.

- :class:`RestDepartmentSimulator`: pushes its records to the hub's ``rest-push`` webhook and
  takes the hub's records on its own HTTP inbox (``rest-out``).
- :class:`AmqpDepartmentSimulator`: publishes to ``hub.inbound`` itself and reads its
  ``hub.out.<id>`` queue; on RabbitMQ under its own user, which the hub's ``amqp-direct`` keeps.
Departments in the other modes use the system simulators of those modes:
:class:`~adapters.simulators.front_db.FrontDbSimulator` (db),
:class:`~adapters.simulators.file_dept.FileDeptSimulator` (file) and
:class:`~adapters.simulators.city_platform.SoapSystemSimulator` (soap).
"""

from __future__ import annotations

import json
import secrets
import threading
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit

from kombu import Connection, Exchange, Producer, Queue

from adapters.simulators.rest_system import PushingSystem
from schemas.contract.topology import INBOUND, outbound_queue_name

#: Record types a department sends, and those it takes from the hub.
DEPARTMENT_SENDS = ("administrative_licence", "administrative_penalty", "inspection_result",
                    "discipline_measure", "discipline_report", "supervision_alert")
DEPARTMENT_TAKES = ("enterprise_registration", "discipline_measure", "supervision_alert",
                    "feedback")


def _env_prefix(system: str) -> str:
    return "HUB_SIM_" + system.upper().replace("-", "_")


class RestDepartmentSimulator(PushingSystem):
    """A department on HTTP+JSON: pushes what it ``emit``s, keeps what the hub delivers."""

    inbox_path = "/hub-records"

    def __init__(self, system: str, name: str) -> None:
        self.system, self.name = system, name
        self.pushes, self.subscribes = DEPARTMENT_SENDS, DEPARTMENT_TAKES
        super().__init__(push_port=None, env_prefix=_env_prefix(system))

    def connection(self) -> dict[str, Any]:
        return {
            "name": self.name, "mode": "rest", "provides": list(self.pushes),
            "subscribes": list(self.subscribes), "inbound": [self.push_entry()],
            "outbound": self.out_entry(),
        }

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        self.push(record, record_type)


class AmqpDepartmentSimulator:
    """A department that speaks AMQP to the hub's broker itself.

    On RabbitMQ (``amqp://`` URLs) it connects as ``dept-<system>`` with a password made up per
    instance, which :meth:`environment` hands to the hub's ``amqp-direct`` entry so the hub
    creates the user with exactly its rights; the management API is reached with the broker
    URL's own credentials. On the embedded broker there are no users: it connects as the hub.
    """

    def __init__(self, system: str, name: str, broker_url: str, *,
                 management_url: str = "http://127.0.0.1:15672") -> None:
        self.system, self.name = system, name
        self._broker_url = broker_url
        self._management_url = management_url
        self._rabbitmq = broker_url.startswith("amqp")
        self._prefix = _env_prefix(system)
        self._password = secrets.token_urlsafe(16)
        self._received: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def username(self) -> str:
        return f"dept-{self.system}"

    def start(self) -> None:
        """Nothing to open: the department connects per batch, as most do."""

    def stop(self) -> None:
        """Nothing held open."""

    def connection(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": self.name, "mode": "amqp",
                                 "provides": list(DEPARTMENT_SENDS),
                                 "subscribes": list(DEPARTMENT_TAKES)}
        if self._rabbitmq:
            entry["inbound"] = [{
                "kind": "amqp-direct", "management_url": self._management_url,
                "management_user": f"env:{self._prefix}_MANAGEMENT_USER",
                "management_password": f"env:{self._prefix}_MANAGEMENT_PASSWORD",
                "vhost": self._vhost(), "password": f"env:{self._prefix}_PASSWORD",
            }]
        return entry

    def environment(self) -> dict[str, str]:
        if not self._rabbitmq:
            return {}
        parts = urlsplit(self._broker_url)
        return {
            f"{self._prefix}_MANAGEMENT_USER": unquote(parts.username or "guest"),
            f"{self._prefix}_MANAGEMENT_PASSWORD": unquote(parts.password or "guest"),
            f"{self._prefix}_PASSWORD": self._password,
        }

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        """Publish ``record`` to ``hub.inbound`` as ``<system>.<record_type>``, confirmed."""
        # On RabbitMQ nothing is declared (a department user has no configure permission). The
        # embedded broker keeps its routing table per connection: declare the binding there.
        declare = [] if self._rabbitmq else [
            Queue(INBOUND, Exchange(INBOUND, "topic", durable=True), routing_key="#")
        ]
        with Connection(self._department_url()) as connection:
            producer = Producer(connection.channel(), auto_declare=False)
            producer.publish(
                json.dumps(record, ensure_ascii=False).encode("utf-8"),
                exchange=INBOUND, routing_key=f"{self.system}.{record_type}",
                content_type="application/json",
                content_encoding="binary", delivery_mode=2, message_id=str(uuid.uuid4()),
                declare=declare, retry=True, retry_policy={"max_retries": 5},
            )

    def received(self) -> list[dict[str, Any]]:
        """Envelopes read from ``hub.out.<system>`` so far (each read once, then acked)."""
        queue = Queue(outbound_queue_name(self.system), no_declare=True)
        with Connection(self._department_url()) as connection:
            bound = queue(connection.channel())
            while (message := bound.get(no_ack=False)) is not None:
                with self._lock:
                    self._received.append(json.loads(message.body))
                message.ack()
        with self._lock:
            return list(self._received)

    def _department_url(self) -> str:
        if not self._rabbitmq:
            return self._broker_url
        parts = urlsplit(self._broker_url)
        netloc = f"{self.username}:{self._password}@{parts.hostname}:{parts.port or 5672}"
        return parts._replace(netloc=netloc).geturl()

    def _vhost(self) -> str:
        return unquote(urlsplit(self._broker_url).path.lstrip("/")) or "/"
