"""A connection to the broker with the hub's topology declared on it.

The one place that knows kombu connections: RabbitMQ over AMQP in production, kombu's SQLite
(``sqla+sqlite://``) or in-memory (``memory://``) transports when embedded. Callers get a
:class:`ConfirmedPublisher`, a consumer and ``drain``; they never branch on the transport.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from kombu import Connection, Consumer, Queue
from kombu.exceptions import OperationalError
from kombu.message import Message

from hub.config.settings import NODE_SEPARATOR, broker_nodes
from hub.runtime.declarations import Topology
from hub.runtime.publisher import ConfirmedPublisher
from schemas.contract.errors import BrokerUnavailable, ConfigError

HEARTBEAT_SECONDS = 30
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NodeAddress:
    """A RabbitMQ node as kombu parsed its URL: ``tls`` is kombu's ``ssl`` (False, True, or
    the options of the URL's query: ``ca_certs``, ``certfile``, ``keyfile``, ``cert_reqs``)."""

    host: str
    port: int
    virtual_host: str
    userid: str
    password: str = field(repr=False)
    tls: bool | dict[str, Any] = False


class BrokerSession:
    """Connect, declare the topology, then publish and consume; use as a context manager."""

    def __init__(self, url: str, topology: Topology, *, connect_retries: int = 3) -> None:
        self.url = url
        self.topology = topology
        self._connect_retries = connect_retries
        self.connection: Connection | None = None
        self._publisher: ConfirmedPublisher | None = None

    def __enter__(self) -> Self:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        """Connect and declare every exchange and queue; raises :class:`BrokerUnavailable`."""
        _ensure_sqlite_directory(self.url)
        heartbeat = HEARTBEAT_SECONDS if self.url.startswith("amqp") else 0
        self.connection = Connection(self.url, heartbeat=heartbeat, connect_timeout=10)
        try:
            # Each retry tries the next node of a cluster's list; every node gets its tries.
            self.connection.ensure_connection(
                max_retries=self._connect_retries * len(broker_nodes(self.url)),
                interval_start=0.5, interval_step=1, interval_max=5,
            )
            self.declare()
        except (OperationalError, *self.connection.connection_errors) as e:
            self.close()
            raise BrokerUnavailable(f"cannot reach the broker at {self.safe_url}: {e}") from e
        except self.connection.channel_errors as e:
            self.close()
            raise ConfigError(
                f"the broker refused the hub's topology: {e}. A queue may already exist with other "
                "arguments (for example another queue type); see README, Configuration."
            ) from e

    @property
    def safe_url(self) -> str:
        """The URL (every node of a list) with any password masked, for messages and logs."""
        return NODE_SEPARATOR.join(
            Connection(node).as_uri(include_password=False) for node in broker_nodes(self.url)
        )

    @property
    def node(self) -> str:
        """The node this open session is connected to, password masked."""
        return self._require().as_uri(include_password=False)

    def node_address(self) -> NodeAddress:
        """Where this open session is connected, credentials included: for a second connection
        to the same node, never for a log."""
        conn = self._require()
        return NodeAddress(host=conn.hostname or "localhost", port=int(conn.port or 5672),
                           virtual_host=conn.virtual_host or "/", userid=conn.userid or "guest",
                           password=conn.password or "guest", tls=conn.ssl or False)

    @property
    def is_rabbitmq(self) -> bool:
        return self._require().transport.driver_type == "amqp"

    @property
    def recoverable_errors(self) -> tuple[type[BaseException], ...]:
        """Errors after which reconnecting helps: the transport's recoverable errors, and channel
        errors too, since reconnecting re-declares the topology (e.g. a deleted queue)."""
        conn = self._require()
        return (
            *conn.recoverable_connection_errors,
            *conn.recoverable_channel_errors,
            *conn.channel_errors,
        )

    @property
    def default_channel(self) -> Any:
        """The connection's default channel (declarations, ``basic_get``)."""
        return self._require().default_channel

    def declare(self) -> None:
        channel = self.default_channel
        for exchange in self.topology.exchanges:
            exchange(channel).declare()
        for queue in self.topology.queues:
            queue(channel).declare()

    def publisher(self) -> ConfirmedPublisher:
        """The session's publisher (one confirm-mode channel)."""
        if self._publisher is None:
            self._publisher = ConfirmedPublisher(self._require())
        return self._publisher

    def channel(self) -> Any:
        """A new channel on the session's connection (its owner closes it)."""
        return self._require().channel()

    def consumer(
        self, queue: Queue, on_message: Callable[[Message], None], *, prefetch: int
    ) -> Consumer:
        """Start consuming ``queue`` with manual acks; raw messages go to ``on_message``."""
        channel = self._require().channel()
        consumer = Consumer(channel, queues=[queue], on_message=on_message, no_ack=False)
        consumer.qos(prefetch_count=prefetch)
        consumer.consume()
        return consumer

    def drain(self, timeout: float) -> bool:
        """Handle broker events for up to ``timeout`` seconds; False if nothing arrived."""
        conn = self._require()
        if conn.transport.driver_type == "amqp":
            conn.heartbeat_check()
        try:
            conn.drain_events(timeout=timeout)
        except TimeoutError:
            return False
        return True

    def queue_depth(self, name: str) -> int:
        """Messages ready in a queue (passive declare; the queue must exist)."""
        return self.queue_stats(name)[0]

    def queue_stats(self, name: str) -> tuple[int, int]:
        """Messages ready in a queue and its consumers (passive declare; the queue must exist).
        The embedded broker keeps no consumer count: it always reports 0 consumers."""
        _, count, consumers = self.default_channel.queue_declare(queue=name, passive=True)
        return int(count), int(consumers)

    def close(self) -> None:
        if self._publisher is not None:
            self._publisher.close()
            self._publisher = None
        if self.connection is not None:
            _close_orm_sessions(self.connection)
            try:
                self.connection.release()
            except Exception as e:  # noqa: BLE001 - a dead connection has nothing left to release
                log.debug("releasing the broker connection: %s", e)
            self.connection = None

    def _require(self) -> Connection:
        if self.connection is None:
            raise BrokerUnavailable("the broker session is not open")
        return self.connection


def _close_orm_sessions(connection: Connection) -> None:
    """Give back the database connections of kombu's SQLAlchemy transport (the embedded broker).

    Each of its channels opens an ORM session that kombu never closes; a session whose last
    statement was a read (a queue it found) keeps its pooled connection checked out. A process
    that opens broker sessions again and again (the demo, a loop that reconnects) then runs
    the pool dry ("QueuePool limit of size 5 overflow 10 reached"). Closing the sessions with
    the connection returns them.
    """
    if not connection.connected or connection.transport.driver_type != "sql":
        return
    transport = connection.transport
    for channel in [*getattr(transport, "channels", ()), *getattr(transport, "_avail_channels", ())]:
        orm_session = getattr(channel, "_session", None)
        if orm_session is not None:
            orm_session.close()


#: Who the hub publishes as on a transport without users (kombu's SQLite and in-memory brokers,
#: which only processes of this host reach).
EMBEDDED_PUBLISHER = "hub"


def publisher_identity(url: str) -> str:
    """The broker user the hub publishes as at ``url`` (its AMQP ``user_id``): RabbitMQ checks a
    message's ``user_id`` against the connection's user, so a department cannot claim it."""
    if not url.startswith("amqp"):
        return EMBEDDED_PUBLISHER
    return str(Connection(broker_nodes(url)[0]).userid or "guest")


class KeptSession:
    """One broker session kept open between uses, opened on first use and dropped after a
    failure so that the next use reconnects (one connection attempt each time). Not
    thread-safe: its owner serialises the calls."""

    def __init__(self, url: str, topology: Topology) -> None:
        self._url = url
        self._topology = topology
        self._session: BrokerSession | None = None

    def get(self) -> BrokerSession:
        """The open session; raises :class:`BrokerUnavailable` when the broker is away."""
        if self._session is None:
            session = BrokerSession(self._url, self._topology, connect_retries=1)
            session.open()
            self._session = session
        return self._session

    @property
    def is_open(self) -> bool:
        """Whether a session is kept from an earlier :meth:`get` (it may have died since)."""
        return self._session is not None

    def drop(self) -> None:
        """Close the session, if open; the next :meth:`get` reconnects."""
        if self._session is not None:
            self._session.close()
            self._session = None


def _ensure_sqlite_directory(url: str) -> None:
    prefix = "sqla+sqlite:///"
    if url.startswith(prefix):
        Path(url[len(prefix):]).parent.mkdir(parents=True, exist_ok=True)


def body_bytes(message: Message) -> bytes:
    """The body exactly as published.

    py-amqp hands over a body whose ``content_encoding`` names a text codec already decoded to
    ``str``; encoding it back with the same codec restores the original bytes.
    """
    body = message.body
    if isinstance(body, bytes):
        return body
    return str(body).encode(message.content_encoding or "utf-8")
