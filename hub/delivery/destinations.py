"""Destinations: how the delivery runner hands a unified record to a system.

A destination's ``deliver`` either returns (delivered), or raises :class:`TransientError`
(try again later: the system is down, slow or overloaded) or :class:`PermanentError` (this
record will never be accepted as it is: the system rejected it). The runner decides what
happens next; destinations never touch the broker, the journal or metrics.

Every outbound adapter (:class:`adapters.sdk.OutboundAdapter`) is a destination; systems that
consume their ``hub.out.<id>`` queue over AMQP themselves need none.
"""

from __future__ import annotations

from typing import Protocol

from schemas.contract.envelope import Envelope


class Destination(Protocol):
    """Delivers envelopes to one external system."""

    def start(self) -> None:
        """Connect and check the configuration; called once before the first delivery.
        Raises TransientError (not reachable yet) or ConfigError (misconfigured)."""

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        """Deliver ``envelope`` (``body`` is its JSON as received). Raises on failure."""

    def close(self) -> None:
        """Release connections; called once when the runner stops."""
