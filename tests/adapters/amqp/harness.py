"""The system behind ``amqp-direct``: a department publishing to the real RabbitMQ as itself.

:class:`AmqpDirectHarness` implements :class:`adapters.testing.InboundHarness` on a vhost of its
own (the ``rabbitmq_url`` fixture's), with the hub's topology declared in it and the
management API reached through a :class:`Forwarder` so :meth:`outage` can cut it off.

For the conformance suite, one difference from the other inbound modes: an ``amqp-direct``
adapter never hands records to its port, the broker takes them straight into ``hub.inbound``.
So :meth:`offer`'s records are read back with :meth:`published` (not from the port), and
:meth:`offer_bad` is a publish the BROKER refuses (as another department), counted in
``refused``; ``port.reject`` is never called in this mode.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import pika
import pika.exceptions

from adapters.amqp.direct import AmqpDirectAdapter, AmqpDirectConfig
from adapters.sdk import InboundPort
from adapters.testing import RecordingPort
from hub.runtime.broker import BrokerSession
from hub.runtime.declarations import Topology, TopologyOptions
from schemas.contract.topology import INBOUND
from tests.adapters.amqp.proxy import Forwarder
from tests.conftest import require_service

MANAGEMENT = ("127.0.0.1", 15672)
LICENCE = json.loads(
    (Path(__file__).parents[2] / "hub" / "records" / "licence.json").read_text(encoding="utf-8")
)
#: Systems whose queues the harness's vhost holds (the department and another one).
SYSTEMS = ("market", "tax")


@contextmanager
def department_on(rabbitmq_url: str, system: str = "market") -> Iterator[AmqpDirectHarness]:
    """Department ``system`` on ``rabbitmq_url``'s vhost (with the hub's topology), reached
    through the management API; its user is deleted after. Skips (fails under CI) without
    the management API."""
    require_service("the RabbitMQ management API", *MANAGEMENT)
    harness = AmqpDirectHarness(rabbitmq_url, system)
    try:
        yield harness
    finally:
        harness.close()


def recording_port(system: str) -> InboundPort:
    """A RecordingPort typed as the port (mypy: InboundPort.checkpoints is a mutable attribute
    of type Checkpoints, which MemoryCheckpoints does not satisfy invariantly)."""
    return cast(InboundPort, RecordingPort(system))


def declare_topology(url: str) -> None:
    """Declare the hub's exchanges and queues in ``url``'s vhost, as a running hub would."""
    with BrokerSession(url, Topology(SYSTEMS, TopologyOptions())):
        pass


class AmqpDirectHarness:
    """A department ``system`` with a broker user of its own (unique per harness)."""

    def __init__(self, rabbitmq_url: str, system: str = "market") -> None:
        parts = urlsplit(rabbitmq_url)
        self.system = system
        self.vhost = unquote(parts.path[1:]) or "/"
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 5672
        self.username = f"dept-{system}-{uuid.uuid4().hex[:10]}"
        self.password = secrets.token_urlsafe(18)
        self.refused: list[pika.exceptions.ChannelClosedByBroker] = []
        tag = uuid.uuid4().hex[:10].upper()
        self.env = {
            f"HUB_TEST_MQ_ADMIN_USER_{tag}": "guest",
            f"HUB_TEST_MQ_ADMIN_PASSWORD_{tag}": "guest",
            f"HUB_TEST_DEPT_PASSWORD_{tag}": self.password,
        }
        self._saved = {name: os.environ.get(name) for name in self.env}
        os.environ.update(self.env)
        self.forwarder = Forwarder(MANAGEMENT)
        self._refs = [f"env:{name}" for name in self.env]
        declare_topology(rabbitmq_url)
        self._sent = 0

    def config(self) -> dict[str, Any]:
        admin_user, admin_password, password = self._refs
        return {
            "kind": "amqp-direct",
            "management_url": self.forwarder.url,
            "management_user": admin_user,
            "management_password": admin_password,
            "vhost": self.vhost,
            "username": self.username,
            "password": password,
        }

    def adapter(self, **overrides: Any) -> AmqpDirectAdapter:
        """An adapter for this department, its config changed by ``overrides``."""
        config = AmqpDirectConfig.model_validate({**self.config(), **overrides})
        return AmqpDirectAdapter(config, system=self.system, port=recording_port(self.system))

    def offer(self, count: int) -> None:
        """Publish ``count`` valid licences as the department (confirmed by the broker)."""
        with self.channel() as channel:
            for _ in range(count):
                self._sent += 1
                record = {**LICENCE, "licence_number": f"HARNESS-{self._sent:06d}"}
                self.publish(channel, f"{self.system}.administrative_licence",
                             json.dumps(record, ensure_ascii=False).encode())

    def offer_bad(self) -> None:
        """Try to publish a licence as another department; the broker refuses it."""
        other = next(s for s in SYSTEMS if s != self.system)
        with self.channel() as channel:
            try:
                self.publish(channel, f"{other}.administrative_licence", json.dumps(LICENCE).encode())
            except pika.exceptions.ChannelClosedByBroker as e:
                self.refused.append(e)
                return
        raise AssertionError(f"the broker took a record published as {other!r}")

    def outage(self) -> AbstractContextManager[None]:
        """The management API is unreachable (connections dropped) inside the block."""
        return self.forwarder.outage()

    def published(self) -> list[tuple[str, dict[str, Any]]]:
        """Take what is waiting in ``hub.inbound``: (routing key, properties) per message."""
        taken: list[tuple[str, dict[str, Any]]] = []
        with self.channel(as_admin=True) as channel:
            while True:
                method, properties, _ = channel.basic_get(INBOUND, auto_ack=True)
                if method is None:
                    return taken
                taken.append((method.routing_key, {"user_id": properties.user_id,
                                                   "message_id": properties.message_id}))

    @contextmanager
    def channel(self, *, as_admin: bool = False) -> Iterator[Any]:
        """A confirm-mode channel as the department (or as the vhost's admin, ``guest``)."""
        user, password = ("guest", "guest") if as_admin else (self.username, self.password)
        parameters = pika.ConnectionParameters(
            self.host, self.port, self.vhost, pika.PlainCredentials(user, password),
            connection_attempts=1, blocked_connection_timeout=10,
        )
        connection = pika.BlockingConnection(parameters)
        try:
            channel = connection.channel()
            channel.confirm_delivery()
            yield channel
        finally:
            if connection.is_open:
                connection.close()

    def publish(self, channel: Any, routing_key: str, body: bytes, *, exchange: str = INBOUND,
                user_id: str | None = None, reply_to: str | None = None) -> None:
        """Publish as a department does (persistent, mandatory, with its ``user_id``)."""
        properties = pika.BasicProperties(
            content_type="application/json", delivery_mode=2, message_id=str(uuid.uuid4()),
            user_id=user_id or self.username, reply_to=reply_to,
        )
        channel.basic_publish(exchange, routing_key, body, properties, mandatory=True)

    def close(self) -> None:
        """Delete the department's user, stop the forwarder, restore the environment."""
        try:
            self.adapter(management_url=f"http://{MANAGEMENT[0]}:{MANAGEMENT[1]}").revoke()
        finally:
            self.forwarder.close()
            for name, value in self._saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
