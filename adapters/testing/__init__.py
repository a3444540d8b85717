"""Test support for adapter authors, shipped with the hub (see ``docs/adapters.md``).

- :class:`RecordingPort` and :class:`MemoryCheckpoints`: an in-memory :class:`InboundPort`
  that records what an inbound adapter submits and rejects, so an adapter is testable without a
  broker or a journal.
- :class:`InboundHarness` and :class:`OutboundHarness`: what an adapter's tests provide so the
  conformance suite (``adapters.testing.conformance``, imported separately: it needs pytest)
  can drive the system behind it.
- :func:`sample_envelope` and :data:`LICENCE`: a real envelope and a unified record to deliver;
  :func:`licence_from`: the record as a given department would send it (its own credit code as
  authority, so the hub does not refuse it as ``authority.not_sender``).
- ``adapters.testing.plugin``: the pytest plugin (fixtures ``recording_port``,
  ``memory_checkpoints``, ``sample_envelope``, ``make_envelope``), registered through the
  ``pytest11`` entry point.
"""

from adapters.testing.harness import InboundHarness, OutboundHarness
from adapters.testing.port import MemoryCheckpoints, RecordingPort, Rejection
from adapters.testing.samples import (
    LICENCE,
    licence_from,
    sample_envelope,
    sample_licence,
)

__all__ = [
    "LICENCE",
    "InboundHarness",
    "MemoryCheckpoints",
    "OutboundHarness",
    "RecordingPort",
    "Rejection",
    "licence_from",
    "sample_envelope",
    "sample_licence",
]
