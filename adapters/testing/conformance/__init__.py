"""The adapter conformance suite: the checks every adapter passes, as classes to subclass.

In an adapter's test module::

    import pytest
    from adapters.testing.conformance import InboundConformance

    class TestAcmeLicences(InboundConformance):
        adapter_class = AcmeLicencesAdapter

        @pytest.fixture
        def harness(self, tmp_path):
            return AcmeHarness(tmp_path)   # an adapters.testing.InboundHarness

pytest collects every ``test_*`` check of the base class for the subclass. Checks:

- config spec (both directions): ``Config`` extends the SDK's base, refuses unknown keys,
  describes every option, types credentials as secret references, never shows a resolved
  secret; ``kind``, ``mode`` and ``direction`` are declared and match the registry;
- lifecycle (both): ``start()`` returns promptly, ``health()`` turns ok, ``stop()`` is
  idempotent and safe without ``start()``, and leaves no thread or listening socket behind;
- inbound (:class:`InboundConformance`): offered records are submitted, once across a restart
  with the same checkpoints, and after an outage of the system or of the hub; a bad record is
  rejected once with a reason code and its original bytes;
- outbound (:class:`OutboundConformance`): a delivered envelope is held once even when
  delivered again; an outage is a ``TransientError``, a refusal a ``PermanentError``.

A check that cannot apply to an adapter is overridden in the subclass with
``@pytest.mark.skip(reason=...)`` on a method of the same name, so the reason shows in the report.
"""

from adapters.testing.conformance.inbound_suite import InboundConformance, WatchedPort
from adapters.testing.conformance.outbound_suite import OutboundConformance
from adapters.testing.conformance.suite_base import (
    AdapterConformance,
    running,
    wait_until,
)

__all__ = [
    "AdapterConformance",
    "InboundConformance",
    "OutboundConformance",
    "WatchedPort",
    "running",
    "wait_until",
]
