"""Sample records and envelopes for adapter tests, shipped with the hub (not under ``tests/``).

:func:`sample_envelope` builds a real :class:`~schemas.contract.envelope.Envelope` around an administrative
licence in the unified standard, exactly as the hub would deliver it: content hash over the
canonical payload, a hop trace, the filing credit code. Each call makes a distinct record (its
licence number differs) unless ``variant`` is given, so tests against a system that keeps its
data between runs do not collide.

The hub refuses a record whose authority is not its sender (``authority.not_sender``), so
:data:`LICENCE` names the market-supervision bureau, which decided it, and :func:`licence_from`
makes the same licence as another department would send it: decided and supplied by itself.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

from schemas.contract.envelope import Envelope, Hop, fingerprints, new_message_id
from schemas.types.systems import shipped_credit_codes

#: An administrative licence in the unified standard (schema version 1.0), valid as it is.
LICENCE: dict[str, Any] = {
    "party": {
        "name": "上海闵行示例餐饮有限公司",
        "category": "法人及非法人组织",
        "credit_code": "91310112087994932F",
        "legal_representative": "张三",
    },
    "decision_document_name": "食品经营许可决定书",
    "decision_document_number": "沪闵市监食许〔2026〕112号",
    "licence_category": "普通",
    "certificate_name": "食品经营许可证",
    "licence_number": "JY23101120012345",
    "content": "热食类食品制售",
    "decision_date": "2026-11-02",
    "valid_from": "2026-11-02",
    "valid_to": "2031-11-01",
    "authority": "上海市闵行区市场监督管理局",
    "authority_credit_code": "11310112002985683Y",
    "status": "1",
    "data_source": "上海市闵行区市场监督管理局",
    "data_source_credit_code": "11310112002985683Y",
}

SAMPLE_RECORD_TYPE = "administrative_licence"
SAMPLE_SCHEMA_VERSION = "1.0"


def sample_licence(variant: str | None = None) -> dict[str, Any]:
    """A copy of :data:`LICENCE` whose licence number is made from ``variant`` (random if None)."""
    record = copy.deepcopy(LICENCE)
    digits = str(uuid.uuid4().int)[:14] if variant is None else variant
    record["licence_number"] = f"JY{digits}"
    return record


def licence_from(source: str, variant: str | None = None) -> dict[str, Any]:
    """:func:`sample_licence` as ``source`` would send it: its own first credit code (from the
    shipped systems catalogue) as the authority's and the data source's. KeyError for a system
    the catalogue does not list, ValueError for one with no credit code."""
    codes = shipped_credit_codes()[source]
    if not codes:
        raise ValueError(f"the systems catalogue gives {source!r} no credit code")
    record = sample_licence(variant)
    record["authority_credit_code"] = record["data_source_credit_code"] = codes[0]
    return record


def sample_envelope(
    variant: str | None = None,
    *,
    source: str = "market",
    payload: dict[str, Any] | None = None,
    record_type: str = SAMPLE_RECORD_TYPE,
) -> Envelope:
    """An envelope as the hub delivers it. ``payload`` defaults to :func:`sample_licence`.

    Two calls with the same ``variant`` (and source) carry the same content hash but different
    message ids, as a record sent twice by its source would.
    """
    record = sample_licence(variant) if payload is None else copy.deepcopy(payload)
    now = datetime.now(UTC)
    node = "conformance:0"
    message_id = new_message_id()
    party = record.get("party")
    credit_code = party.get("credit_code") if isinstance(party, dict) else None
    hashed, digest = fingerprints(source, record_type, record)
    return Envelope(
        message_id=message_id,
        correlation_id=message_id,
        source_message_id=None,
        source=source,
        record_type=record_type,
        schema_version=SAMPLE_SCHEMA_VERSION,
        received_at=now,
        content_hash=hashed,
        credit_code=credit_code,
        hops=[
            Hop(stage="received", at=now, node=node, detail=f"{source}.{record_type}"),
            Hop(stage="standardised", at=now, node=node, detail="valid"),
            Hop(stage="routed", at=now, node=node, detail="sample"),
        ],
        payload=record,
        payload_digest=digest,
    )
