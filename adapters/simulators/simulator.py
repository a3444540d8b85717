"""The simulator contract shared by every simulated system."""

from __future__ import annotations

from typing import Any, Protocol


class Simulator(Protocol):
    """A simulated external system, on loopback. Thread-safe; ``start`` and ``stop`` once each."""

    #: The system id in the hub's catalogue (``city-platform``, ``market``...).
    system: str

    def start(self) -> None:
        """Open the server, database or folder; return when it accepts requests."""

    def stop(self) -> None:
        """Close everything; idempotent."""

    def connection(self) -> dict[str, Any]:
        """This system's entry for the hub's connections file (``inbound``, ``outbound``...),
        pointing at the running simulator. Credentials by ``env:`` reference only."""

    def environment(self) -> dict[str, str]:
        """Environment variables the entry's references need (simulated credentials)."""

    def received(self) -> list[dict[str, Any]]:
        """The unified envelopes (parsed JSON) the system has received from the hub, in order."""

    def emit(self, record: dict[str, Any], record_type: str) -> None:
        """Make the system produce ``record`` (a department-layout record) for the hub to take,
        in the system's own exchange mode (a row, a file, a SOAP call, an HTTP push...)."""
