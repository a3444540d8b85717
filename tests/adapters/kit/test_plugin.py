"""The pytest plugin's fixtures, and the sample data it ships (not borrowed from tests/)."""

from __future__ import annotations

from collections.abc import Callable

import schemas
from adapters.sdk import InboundRecord, RecordProblem
from adapters.testing import LICENCE, MemoryCheckpoints, RecordingPort
from schemas.contract.envelope import Envelope, content_hash


def test_the_shipped_licence_is_valid_in_the_unified_standard() -> None:
    verdict = schemas.validate_record("administrative_licence", LICENCE)
    assert verdict.status == "valid", verdict.problems
    assert verdict.record == LICENCE, "the sample must already be in unified form"


def test_sample_envelope_is_a_real_envelope_with_its_content_hash(
    sample_envelope: Envelope,
) -> None:
    again = Envelope.from_bytes(sample_envelope.to_bytes())
    assert again == sample_envelope
    assert sample_envelope.content_hash == content_hash(
        "market", "administrative_licence", sample_envelope.payload)
    assert sample_envelope.credit_code == "91310112087994932F"
    assert [h.stage for h in sample_envelope.hops] == ["received", "standardised", "routed"]
    verdict = schemas.validate_record("administrative_licence", sample_envelope.payload)
    assert verdict.status == "valid", verdict.problems


def test_make_envelope_varies_the_record_unless_told_the_same_variant(
    make_envelope: Callable[..., Envelope],
) -> None:
    first, second = make_envelope(), make_envelope()
    assert first.content_hash != second.content_hash
    same, resent = make_envelope("00000000000001"), make_envelope("00000000000001")
    assert same.content_hash == resent.content_hash and same.message_id != resent.message_id
    assert same.payload["licence_number"] == "JY00000000000001"


def test_recording_port_uses_the_memory_checkpoints_fixture(
    recording_port: RecordingPort, memory_checkpoints: MemoryCheckpoints
) -> None:
    recording_port.checkpoints.put("watermark", "42")
    assert memory_checkpoints.get("watermark") == "42"
    recording_port.submit([InboundRecord(b"{}", "administrative_licence", source_message_id="r1")])
    recording_port.reject(b"\xff", RecordProblem("adapter.encoding", "not UTF-8"))
    assert [r.source_message_id for r in recording_port.submitted] == ["r1"]
    assert recording_port.rejected[0].problem.code == "adapter.encoding"
    assert recording_port.source == "market"
