"""The core's side of the adapter SDK: the inbound port, the adapter loop, building adapters.

Adapters never see the broker or the journal; this module gives them both:
- :class:`BrokerInboundPort` publishes an inbound adapter's records to ``hub.inbound`` under
  ``<system>.<record-type>``, exactly as a department publishing over AMQP would, and waits for
  the broker's confirms before returning; a refused record goes the same way with the
  :data:`ADAPTER_PROBLEMS_HEADER`, so the processor quarantines it, journals it and sends
  feedback like any other rejection. Each record is published as the hub's broker user with the
  hub message id in :data:`HUB_MESSAGE_ID_HEADER`, and the worker keeps that id (it believes
  the header only from that user), so the id ``submit``/``reject`` return, which adapters answer
  their callers with, is the one ``hub trace`` finds.
- :class:`AdapterLoop` runs an inbound adapter's lifecycle inside ``hub run`` (start with
  back-off while its system is away, then stop cleanly).
- :func:`validate_config` checks an adapter entry against its kind's ``Config``;
  :func:`build_inbound`, :func:`build_outbound` and :func:`build_lookup` turn a validated config
  into an adapter through the registry. The core holds a lookup only as the SDK's
  :class:`~adapters.sdk.EntityLookup` port.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from adapters.registry import AdapterRegistry
from adapters.sdk.adapter_errors import RecordProblem
from adapters.sdk.config import AdapterConfig, OutboundConfig
from adapters.sdk.lifecycle import (
    Adapter,
    Checkpoints,
    InboundAdapter,
    InboundRecord,
    OutboundAdapter,
)
from adapters.sdk.ports import (
    EntityLookup,
    EntityLookupAdapter,
    RecordsLookup,
    RecordsLookupAdapter,
)
from hub.runtime.broker import KeptSession, publisher_identity
from hub.runtime.declarations import Topology
from schemas.contract.errors import (
    BrokerUnavailable,
    ConfigError,
    PublishNotConfirmed,
    TransientError,
)
from schemas.contract.messages import HUB_MESSAGE_ID_HEADER, OutboundMessage
from schemas.contract.problems import ADAPTER_PROBLEMS_HEADER
from schemas.contract.topology import INBOUND, inbound_routing_key

log = logging.getLogger(__name__)

#: Header naming the adapter kind that took a record in.
ADAPTER_HEADER = "hub-adapter"
#: Record type used in the routing key when a refused record's type is not known.
UNCLASSIFIED = "unclassified"
#: The adapter a ``lookup`` block configures (its users do not write ``kind``: the host knows).
LOOKUP_KIND = "legal-entity-lookup"
_A = TypeVar("_A", bound=Adapter[Any])

#: The systems whose connections entry may carry ``lookup``, and the adapter it configures.
LOOKUP_KINDS = {"legal-entity-library": LOOKUP_KIND, "credit-platform": "records-lookup"}


class BrokerInboundPort:
    """An :class:`~adapters.sdk.InboundPort` over one broker connection, opened on first use.

    Thread-safe: calls are serialised on one connection (the confirm wait dominates). After a
    broker failure the connection is dropped and the next call reconnects; the failed call
    raises :class:`TransientError` and the adapter keeps its records unmarked.
    """

    def __init__(
        self,
        broker_url: str,
        topology: Topology,
        source: str,
        adapter_kind: str,
        checkpoints: Checkpoints,
        *,
        confirm_timeout: float = 30.0,
        on_records: Callable[[str, int], None] | None = None,
    ) -> None:
        """``on_records(outcome, count)`` hears of records the broker confirmed: ``submitted``
        (handed in) or ``refused`` (rejected at the door by the adapter)."""
        self.source = source
        self.checkpoints = checkpoints
        self._kind = adapter_kind
        self._confirm_timeout = confirm_timeout
        self._lock = threading.Lock()
        self._session = KeptSession(broker_url, topology)
        self._user = publisher_identity(broker_url)
        self._on_records = on_records or (lambda outcome, count: None)

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        messages = [
            self._message(
                r.body, r.record_type, r.content_type, r.source_message_id, dict(r.headers)
            )
            for r in records
        ]
        self._publish(messages)
        if messages:
            self._on_records("submitted", len(messages))
        return [str(m.headers[HUB_MESSAGE_ID_HEADER]) for m in messages]

    def reject(
        self,
        body: bytes,
        problem: RecordProblem,
        *,
        record_type: str | None = None,
        content_type: str = "application/octet-stream",
        source_message_id: str | None = None,
    ) -> str:
        headers = {ADAPTER_PROBLEMS_HEADER: json.dumps([problem.as_dict()], ensure_ascii=False)}
        message = self._message(
            body, record_type or UNCLASSIFIED, content_type, source_message_id, headers
        )
        self._publish([message])
        self._on_records("refused", 1)
        return str(message.headers[HUB_MESSAGE_ID_HEADER])

    def close(self) -> None:
        with self._lock:
            self._session.drop()

    def _message(
        self,
        body: bytes,
        record_type: str,
        content_type: str,
        message_id: str | None,
        headers: dict[str, Any],
    ) -> OutboundMessage:
        headers[ADAPTER_HEADER] = self._kind
        hub_id = str(uuid.uuid4())
        headers[HUB_MESSAGE_ID_HEADER] = hub_id
        return OutboundMessage(
            exchange=INBOUND,
            routing_key=inbound_routing_key(self.source, record_type),
            body=body,
            content_type=content_type,
            content_encoding=None,
            headers=headers,
            message_id=message_id or hub_id,
            correlation_id=None,
            user_id=self._user,
        )

    def _publish(self, messages: list[OutboundMessage]) -> None:
        """Publish and await confirms. A kept connection may have died while idle (the broker
        closes it after missed heartbeats: nothing beats while no record comes), which is only
        found out on use; so a failure on a session opened before this call is retried once on
        a fresh one. A publish that reached the broker before the failure may then arrive
        twice: the hub takes the copy as a duplicate of the same content (at least once)."""
        if not messages:
            return
        with self._lock:
            kept = self._session.is_open
            try:
                failed = self._publish_once(messages)
            except BrokerUnavailable:
                if not kept:
                    raise
                log.info("%s: the kept broker connection was gone; reconnecting", self.source)
                failed = self._publish_once(messages)
        if failed:
            raise PublishNotConfirmed(f"the broker refused {len(failed)} of {len(messages)} records")

    def _publish_once(self, messages: list[OutboundMessage]) -> set[int]:
        """The messages the broker refused; BrokerUnavailable (session dropped) if it failed."""
        session = self._session.get()
        broken: tuple[type[BaseException], ...] = (OSError, *session.recoverable_errors)
        try:
            publisher = session.publisher()
            for message in messages:
                publisher.publish(message)
            return publisher.settle(self._confirm_timeout)
        except TransientError:
            self._session.drop()
            raise
        except broken as e:
            self._session.drop()
            raise BrokerUnavailable(f"publishing for {self.source}: {e}") from e


class AdapterLoop:
    """Runs one inbound adapter inside the hub runtime (see :class:`hub.runtime.loops.Loop`).

    ``start`` is retried with doubling waits (up to ``max_wait`` seconds) while it raises
    :class:`TransientError`; a :class:`ConfigError` or any other error ends the loop, which
    stops the hub: a misconfigured adapter must be seen, not skipped.
    """

    def __init__(self, adapter: InboundAdapter[Any], port: BrokerInboundPort, *,
                 max_wait: float = 60.0) -> None:
        self.adapter = adapter
        self.port = port
        self.ready = threading.Event()
        self._stopping = threading.Event()
        self._max_wait = max_wait

    def run(self) -> None:
        wait = 1.0
        try:
            while not self._stopping.is_set():
                try:
                    self.adapter.start()
                    break
                except TransientError as e:
                    log.warning("%s: cannot start (%s); again in %.0fs", self.name, e, wait)
                    self._stopping.wait(wait)
                    wait = min(self._max_wait, wait * 2)
            self.ready.set()
            self._stopping.wait()
        finally:
            self.adapter.stop()
            self.port.close()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def name(self) -> str:
        return f"{self.adapter.kind}:{self.adapter.system}"


def adapter_class(registry: AdapterRegistry, kind: str) -> type[Adapter[Any]]:
    """The adapter class registered as ``kind``; :class:`ConfigError` if it is not an adapter."""
    cls = registry.load(kind)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise ConfigError(f"{kind!r} is registered as {cls!r}, which is not an adapter class")
    return cls


def validate_config(registry: AdapterRegistry, raw: dict[str, Any]) -> AdapterConfig:
    """Validate one adapter's settings against the ``Config`` of the adapter its ``kind`` names."""
    kind = raw.get("kind")
    if not isinstance(kind, str):
        raise ConfigError(f"an adapter entry has no 'kind': {sorted(raw)}")
    return adapter_class(registry, kind).Config.model_validate(raw)


def validate_lookup(registry: AdapterRegistry, raw: dict[str, Any],
                    system: str = "legal-entity-library") -> AdapterConfig:
    """Validate ``system``'s ``lookup`` block (written without ``kind``) against the ``Config``
    of its adapter (:data:`LOOKUP_KINDS`); :class:`ConfigError` naming a misspelt or unknown
    key, or a system that answers no lookups."""
    kind = LOOKUP_KINDS.get(system)
    if kind is None:
        raise ConfigError(f"only {', '.join(LOOKUP_KINDS)} answer lookups ('lookup')")
    if "kind" in raw:
        raise ConfigError(f"a lookup takes no 'kind' (for {system} it is always {kind!r})")
    return _lookup_class(registry, kind).Config.model_validate({"kind": kind, **raw})


def build_inbound(
    registry: AdapterRegistry, config: AdapterConfig, system: str, port: BrokerInboundPort
) -> InboundAdapter[Any]:
    cls = adapter_class(registry, config.kind)
    if not issubclass(cls, InboundAdapter):
        raise ConfigError(f"adapter {config.kind!r} is not an inbound adapter")
    return cls(config, system=system, port=port)


def build_outbound(
    registry: AdapterRegistry, config: OutboundConfig, system: str
) -> OutboundAdapter[Any]:
    cls = adapter_class(registry, config.kind)
    if not issubclass(cls, OutboundAdapter):
        raise ConfigError(f"adapter {config.kind!r} is not an outbound adapter")
    return cls(config, system=system)


def build_lookup(registry: AdapterRegistry, config: AdapterConfig, system: str) -> EntityLookup:
    """The entity-lookup adapter ``config`` names, asking ``system``, started: its credentials
    are resolved now (:class:`ConfigError` if one is missing), so a missing secret stops
    start-up instead of failing the first record under review."""
    cls = _lookup_class(registry, config.kind)
    if not issubclass(cls, EntityLookupAdapter):
        raise ConfigError(f"adapter {config.kind!r} does not look entities up")
    return _started(cls(config, system=system))


def build_records_lookup(registry: AdapterRegistry, config: AdapterConfig, system: str
                         ) -> RecordsLookup:
    """The records-lookup adapter ``config`` names, asking ``system``, started (as
    :func:`build_lookup`)."""
    cls = _lookup_class(registry, config.kind)
    if not issubclass(cls, RecordsLookupAdapter):
        raise ConfigError(f"adapter {config.kind!r} does not look records up")
    return _started(cls(config, system=system))


def _started(adapter: _A) -> _A:
    try:
        adapter.start()
    except BaseException:
        adapter.stop()
        raise
    return adapter


def _lookup_class(registry: AdapterRegistry, kind: str) -> type[Adapter[Any]]:
    cls = adapter_class(registry, kind)
    if not issubclass(cls, EntityLookupAdapter | RecordsLookupAdapter):
        raise ConfigError(f"adapter {kind!r} is not a lookup adapter")
    return cls
