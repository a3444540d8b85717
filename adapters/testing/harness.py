"""What an adapter's tests provide so the conformance suite can drive the system behind it.

An adapter author writes one harness class against a real instance of the system (a simulator,
a temporary database, a folder): the suite never fakes the protocol.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


class InboundHarness(Protocol):
    """The system an inbound adapter takes records from."""

    def config(self) -> dict[str, Any]:
        """A working config for the adapter (``kind`` included), pointing at this system."""

    def offer(self, count: int) -> None:
        """Make the system hold ``count`` new, valid records for the adapter to take."""

    def offer_bad(self) -> bytes | None:
        """Make the system hold one record the adapter must refuse (``port.reject``); return
        its bytes as the adapter should hand them over, or None where they cannot be known."""

    def outage(self) -> AbstractContextManager[None]:
        """Inside the block the system fails transiently (down, locked, answering 503)."""


class OutboundHarness(Protocol):
    """The system an outbound adapter delivers to."""

    def config(self) -> dict[str, Any]:
        """A working config for the adapter (``kind`` included), pointing at this system."""

    def received(self) -> list[str]:
        """Content hashes of the records the system holds, one entry per stored record."""

    def outage(self) -> AbstractContextManager[None]:
        """Inside the block the system fails transiently; ``deliver`` must raise TransientError."""

    def refusing(self) -> AbstractContextManager[None]:
        """Inside the block the system refuses every record; ``deliver`` must raise
        PermanentError."""
