"""The hub's pytest plugin for adapter authors, loaded through the ``pytest11`` entry point.

Installing supervision-hub makes these fixtures available in every test module:

- ``memory_checkpoints``: a fresh :class:`~adapters.testing.MemoryCheckpoints`;
- ``recording_port``: a :class:`~adapters.testing.RecordingPort` (source ``market``) using
  ``memory_checkpoints``, to build an inbound adapter without a broker;
- ``sample_envelope``: a real :class:`~schemas.contract.envelope.Envelope` (an administrative licence in the
  unified standard, a distinct licence number each time);
- ``make_envelope``: a factory for more of them (``make_envelope("0001")`` is reproducible);
- ``harness``: a placeholder that fails, saying how to write the fixture the conformance suite
  needs (a test module's or class's own ``harness`` fixture replaces it).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.testing.port import MemoryCheckpoints, RecordingPort
from adapters.testing.samples import sample_envelope as _sample_envelope
from schemas.contract.envelope import Envelope


@pytest.fixture
def memory_checkpoints() -> MemoryCheckpoints:
    """Checkpoints in a dict; share it between two adapters to test a restart."""
    return MemoryCheckpoints()


@pytest.fixture
def recording_port(memory_checkpoints: MemoryCheckpoints) -> RecordingPort:
    """An inbound port that keeps what it is given (``submitted``, ``rejected``)."""
    return RecordingPort("market", memory_checkpoints)


@pytest.fixture
def sample_envelope() -> Envelope:
    """An envelope as the hub delivers it, with a licence number of its own."""
    return _sample_envelope()


@pytest.fixture
def make_envelope() -> Callable[..., Envelope]:
    """:func:`adapters.testing.samples.sample_envelope`, as a fixture."""
    return _sample_envelope


@pytest.fixture
def harness() -> None:
    """Replaced by the adapter's own; fails with instructions when it is missing."""
    pytest.fail(
        "the conformance suite needs a 'harness' fixture: define one in the test class or module "
        "returning an adapters.testing.InboundHarness or OutboundHarness (see docs/adapters.md)",
        pytrace=False,
    )
