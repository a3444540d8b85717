"""The adapter base classes: what an adapter implements and what the core gives it.

An adapter connects one external system in one exchange mode (``soap``, ``rest``, ``db``,
``file``, ``amqp``). It never touches the broker, the journal or metrics: inbound adapters hand
records to an :class:`InboundPort`, outbound adapters are handed envelopes by the core's
delivery runner; lookup adapters answer the core's questions through a port of
:mod:`adapters.sdk.ports`. All live through the same lifecycle, driven by the core:

1. constructed with a validated config (``cls.Config``) and, inbound only, a port;
2. :meth:`Adapter.start` opens connections or servers and returns promptly (raising
   :class:`~adapters.sdk.adapter_errors.TransientError` if the system is not reachable yet: the core
   tries again);
3. :meth:`Adapter.health` answers at any time, cheaply, from any thread;
4. :meth:`Adapter.stop` finishes or abandons in-flight work without losing it (an inbound
   record not yet confirmed by the port is not marked taken) and releases everything. It is
   idempotent and may be called without a successful ``start``.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from adapters.sdk.adapter_errors import (
    ConfigError,
    PermanentError,
    RecordProblem,
    TransientError,
)
from adapters.sdk.config import AdapterConfig, OutboundConfig
from schemas.contract.envelope import Envelope

log = logging.getLogger(__name__)

Mode = Literal["soap", "rest", "db", "file", "amqp"]
MODES: tuple[Mode, ...] = ("soap", "rest", "db", "file", "amqp")
#: Which way records go: in to the hub, out of it, or neither (a lookup the core asks).
Direction = Literal["inbound", "outbound", "lookup"]

ConfigT = TypeVar("ConfigT", bound=AdapterConfig)
OutboundConfigT = TypeVar("OutboundConfigT", bound=OutboundConfig)


@dataclass(frozen=True)
class Health:
    """An adapter's state: ``ok`` when its system is reachable; ``detail`` says why not."""

    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class InboundRecord:
    """One record as the external system gave it, for the core to publish to the hub.

    ``body`` is sent byte for byte (the hub's transforms decode it by ``content_type``).
    ``source_message_id`` is the system's own id for the record (a row key, a file and row
    number, a SOAP message id): it travels as the AMQP message id, appears in feedback and the
    journal, and lets the source match feedback to its record.
    """

    body: bytes
    record_type: str
    content_type: str = "application/json"
    source_message_id: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)


class Checkpoints(Protocol):
    """A small persistent key -> text store for one adapter instance (watermarks, offsets)."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, value: str) -> None: ...


class InboundPort(Protocol):
    """What the core gives an inbound adapter. Thread-safe: servers may call it per request.

    ``submit`` returns only once the broker has confirmed every record (so the adapter may
    then mark them taken, advance its watermark or answer its caller); it raises
    :class:`TransientError` if the hub cannot take them now. ``reject`` quarantines a record
    with its reason (the core also sends feedback to the source) and is confirmed the same way.
    """

    source: str

    @property
    def checkpoints(self) -> Checkpoints:
        """This adapter instance's persistent checkpoints."""

    def submit(self, records: Sequence[InboundRecord]) -> list[str]:
        """Publish ``records`` to the hub; returns the hub message id given to each."""

    def reject(
        self,
        body: bytes,
        problem: RecordProblem,
        *,
        record_type: str | None = None,
        content_type: str = "application/octet-stream",
        source_message_id: str | None = None,
    ) -> str:
        """Quarantine ``body`` (kept as given) with ``problem``; returns its hub message id."""


class Adapter(ABC, Generic[ConfigT]):
    """Base of every adapter. Subclasses set the class attributes and implement the lifecycle.

    ``kind`` is the name the adapter is registered under (``rest-pull``, ``db-write``...).
    """

    kind: ClassVar[str]
    mode: ClassVar[Mode]
    direction: ClassVar[Direction]
    Config: ClassVar[type[AdapterConfig]]
    summary: ClassVar[str] = ""

    def __init__(self, config: ConfigT, *, system: str) -> None:
        self.config = config
        self.system = system
        self.log = logging.getLogger(f"adapters.{self.kind}.{system}")

    def start(self) -> None:
        """Connect or open servers; return promptly. Default: nothing to open."""

    def stop(self) -> None:
        """Release everything; idempotent. Default: nothing to release."""

    @abstractmethod
    def health(self) -> Health:
        """Whether the system is reachable now; cheap, callable from any thread."""

    def close(self) -> None:
        """Same as :meth:`stop` (the delivery runner's name for it)."""
        self.stop()


class InboundAdapter(Adapter[ConfigT]):
    """Takes records from a system and hands them to the hub through ``port``."""

    direction: ClassVar[Direction] = "inbound"

    def __init__(self, config: ConfigT, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system)
        self.port = port


class OutboundAdapter(Adapter[OutboundConfigT]):
    """Delivers unified envelopes to a system; the core's delivery runner calls :meth:`deliver`.

    Contract for ``deliver``: return only when the system has the record; raise
    :class:`TransientError` for "not now" and :class:`PermanentError` for "never as it is".
    Delivering the same envelope twice must leave the system with one record: send the
    envelope's ``content_hash`` as the idempotency key (a header, a key column, a file name),
    because the runner guarantees at-least-once, and once only as far as its own store knows.
    """

    direction: ClassVar[Direction] = "outbound"

    @abstractmethod
    def deliver(self, envelope: Envelope, body: bytes) -> None:
        """Hand ``envelope`` (``body`` is its JSON as the hub sent it) to the system."""


class PollingInboundAdapter(InboundAdapter[ConfigT]):
    """An inbound adapter that asks its system for new records every ``interval`` seconds.

    Subclasses implement :meth:`poll`, which takes what is new, submits it and records its
    progress (in ``port.checkpoints`` or the system itself) only after ``submit`` returned. A
    :class:`TransientError` from ``poll`` marks the adapter unhealthy and is retried with
    doubling waits up to ``max_backoff``; any other exception is logged and retried the same way
    (a poller that dies silently is the failure the platform's first build had).
    """

    interval: float = 5.0
    max_backoff: float = 300.0

    def __init__(self, config: ConfigT, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._health = Health(False, "not polled yet")
        self.interval = float(getattr(config, "poll_seconds", self.interval))

    @abstractmethod
    def poll(self) -> int:
        """Take and submit what is new; return how many records were submitted."""

    def start(self) -> None:
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._loop, name=f"poll:{self.kind}:{self.system}", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def health(self) -> Health:
        return self._health

    def poll_once(self) -> int:
        """One poll, recording health; raises what :meth:`poll` raised."""
        try:
            count = self.poll()
        except Exception as e:
            self._health = Health(False, f"{type(e).__name__}: {e}")
            raise
        self._health = Health(True, f"last poll took {count} records")
        return count

    def _loop(self) -> None:
        wait = self.interval
        while not self._stopping.is_set():
            try:
                count = self.poll_once()
                wait = 0.0 if count else self.interval  # more may be waiting: go again
            except TransientError as e:
                wait = min(self.max_backoff, max(self.interval, wait * 2))
                self.log.warning("poll failed (%s); next try in %.0fs", e, wait)
            except (PermanentError, ConfigError) as e:
                # Refused by the system or misconfigured: operators need the reason, not a trace.
                wait = min(self.max_backoff, max(self.interval, wait * 2))
                self.log.error("poll refused (%s); next try in %.0fs", e, wait)
            except Exception:
                wait = min(self.max_backoff, max(self.interval, wait * 2))
                self.log.exception("poll failed unexpectedly; next try in %.0fs", wait)
            if wait:
                self._stopping.wait(wait)
