"""Test support for adapter authors, shipped with the hub (see ``docs/adapters.md``).

- :class:`RecordingPort` and :class:`MemoryCheckpoints`: an in-memory :class:`InboundPort`
  that records what an inbound adapter submits and rejects, so an adapter is testable without a
  broker or a journal.
- :class:`InboundHarness` and :class:`OutboundHarness`: what an adapter's tests provide so the
  conformance suite (``adapters.testing.conformance``) can drive the system behind it.
"""

from adapters.testing.harness import InboundHarness, OutboundHarness
from adapters.testing.port import MemoryCheckpoints, RecordingPort, Rejection

__all__ = ["InboundHarness", "MemoryCheckpoints", "OutboundHarness", "RecordingPort", "Rejection"]
