"""The harnesses do what the conformance suite will rely on, against the real adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.file.drop import FileDropAdapter
from adapters.file.drop_config import FileDropConfig
from adapters.file.export import FileExportAdapter, FileExportConfig
from adapters.sdk import PermanentError, TransientError
from adapters.testing import InboundHarness, OutboundHarness, RecordingPort
from tests.adapters.file.harness import FileDropHarness, FileExportHarness
from tests.adapters.file.support import as_port, licence_envelope


def test_the_drop_harness_offers_good_and_bad_records_and_an_outage(tmp_path: Path) -> None:
    harness: InboundHarness = FileDropHarness(tmp_path / "drop")
    port = RecordingPort()
    adapter = FileDropAdapter(FileDropConfig.model_validate(harness.config()), system="market",
                              port=as_port(port))
    harness.offer(3)
    harness.offer_bad()
    adapter.poll_once()
    assert len(port.submitted) == 3 and len(port.rejected) == 1
    assert len({r.body for r in port.submitted}) == 3
    harness.offer(2)
    with harness.outage(), pytest.raises(TransientError):
        adapter.poll_once()
    adapter.poll_once()
    assert len({r.body for r in port.submitted}) == 5


def test_the_export_harness_sees_records_and_makes_outages_and_refusals(tmp_path: Path) -> None:
    harness: OutboundHarness = FileExportHarness(tmp_path / "export")
    adapter = FileExportAdapter(FileExportConfig.model_validate(harness.config()), system="tax")
    envelope = licence_envelope(1)
    adapter.deliver(envelope, envelope.to_bytes())
    adapter.deliver(envelope, envelope.to_bytes())
    assert harness.received() == [envelope.content_hash]
    with harness.outage(), pytest.raises(TransientError):
        adapter.deliver(envelope, envelope.to_bytes())
    with harness.refusing(), pytest.raises(PermanentError):
        adapter.deliver(envelope, envelope.to_bytes())
    assert harness.received() == [envelope.content_hash]
