"""Destinations: how the delivery runner hands a unified record to a system.

A destination's ``deliver`` either returns (delivered), or raises :class:`TransientError`
(try again later: the system is down, slow or overloaded) or :class:`PermanentError` (this
record will never be accepted as it is: the system rejected it). The runner decides what
happens next; destinations never touch the broker, the journal or metrics.

Every outbound adapter (:class:`adapters.sdk.OutboundAdapter`) is a destination; systems that
consume their ``hub.out.<id>`` queue over AMQP themselves need none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from schemas.contract.envelope import Envelope
from schemas.contract.errors import PermanentError


class Destination(Protocol):
    """Delivers envelopes to one external system."""

    def start(self) -> None:
        """Connect and check the configuration; called once before the first delivery.
        Raises TransientError (not reachable yet) or ConfigError (misconfigured)."""

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        """Deliver ``envelope`` (``body`` is its JSON as received). Raises on failure."""

    def close(self) -> None:
        """Release connections; called once when the runner stops."""


@runtime_checkable
class BatchDestination(Destination, Protocol):
    """A destination that takes many envelopes at once, all or nothing (a database that lands
    them in one transaction): the runner hands it what it has received, up to its batch size,
    and falls back to one envelope at a time when a batch fails."""

    def deliver_batch(self, items: Sequence[tuple[Envelope, bytes]]) -> list[PermanentError | None]:
        """Deliver every ``(envelope, body)`` of ``items``; one entry per item: None
        (delivered) or the :class:`PermanentError` refusing that one (the others delivered).
        Raises :class:`TransientError` or :class:`PermanentError` when the batch as a whole
        failed and nothing of it was delivered."""
        ...
