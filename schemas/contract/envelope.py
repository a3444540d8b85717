"""The envelope every message on the hub's outbound side carries.

An outbound message body is one envelope as UTF-8 JSON: the unified record in ``payload`` and,
around it, what a receiver needs to trust, trace and de-duplicate it. The same fields are
repeated as AMQP properties and ``hub-*`` headers so a consumer can filter without parsing.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.contract.states import HOP_STAGES


def utc_now() -> datetime:
    return datetime.now(UTC)


def epoch_ms() -> int:
    """Now, in milliseconds since the epoch (for AMQP headers, which have no datetime type)."""
    return int(utc_now().timestamp() * 1000)


def new_message_id() -> str:
    return str(uuid.uuid4())


def node_name() -> str:
    """Identifies this worker process in hop traces: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Hop(BaseModel):
    """One step of a message's way through the hub."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A str, not the enum: a receiver's envelope with a stage this hub does not know yet still
    # reads; the hub writes members of HOP_STAGES, which serialise as their plain values.
    stage: str = Field(description=f"One of {', '.join(HOP_STAGES)}.")
    at: datetime = Field(description="When the step happened (UTC).")
    node: str = Field(description="The worker that did it, host:pid.")
    detail: str | None = Field(default=None, description="What happened, e.g. the route ids.")


class RegisteredEntity(BaseModel):
    """A legal entity as the legal-entity library registers it, found by one credit code.

    The hub adds these to a record whose credit code was under review once the library has
    confirmed the code (:mod:`hub.review`). They sit beside the payload, never in it: the payload
    stays the source's record in the unified standard, and the content hash (the idempotency
    key over the payload) stays the same whatever the library answered that day.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="Dotted path of the credit-code field in the payload.")
    credit_code: str = Field(description="The code looked up, as the payload carries it.")
    name: str = Field(description="Registered name (名称) in the library.")
    registration_authority: str | None = Field(
        default=None, description="Registration authority (登记机关), when the library gives it."
    )
    status: str | None = Field(
        default=None, description="Registration status (登记状态) as the library words it, e.g. 存续."
    )
    verified_at: datetime = Field(description="When the library answered (UTC).")


class Envelope(BaseModel):
    """A unified record with its provenance; the body of every outbound message."""

    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(description="The hub's id for this record; the same at every destination.")
    correlation_id: str = Field(
        description="The source's correlation id, else its message id, else message_id."
    )
    source_message_id: str | None = Field(
        default=None, description="The AMQP message_id the source gave, if any."
    )
    source: str = Field(description="System id of the sender ('hub' for feedback).")
    record_type: str = Field(description="Record type id of the payload.")
    schema_version: str = Field(description="Version of the unified standard of the payload.")
    received_at: datetime = Field(description="When the hub received the original message (UTC).")
    content_hash: str = Field(
        description="sha256 over source, record type and the canonical payload: the idempotency key."
    )
    credit_code: str | None = Field(
        default=None, description="Unified Social Credit Code the record is filed under."
    )
    hops: list[Hop] = Field(default_factory=list, description="The trace, oldest first.")
    payload: dict[str, Any] = Field(description="The record in the unified standard.")
    payload_digest: str | None = Field(
        default=None,
        description="sm3:<hex> over the canonical payload (GB/T 32905), for the receiver to check "
        "that the payload is what the hub sent; see verify_payload_digest.",
    )
    entities: list[RegisteredEntity] | None = Field(
        default=None,
        description="The legal entities the library confirmed for the record's credit codes "
        "under review, one per code; absent on every other envelope.",
    )

    def to_bytes(self) -> bytes:
        # Absent rather than null when unset, so envelopes without them keep their exact shape.
        exclude = {name for name in ("entities", "payload_digest") if getattr(self, name) is None}
        return self.model_dump_json(exclude=exclude or None).encode("utf-8")

    def verify_payload_digest(self) -> bool:
        """Whether ``payload_digest`` is present and matches the payload as received."""
        return self.payload_digest is not None and self.payload_digest == payload_digest(
            self.payload
        )

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_digest(payload: dict[str, Any]) -> str:
    """``sm3:<hex>``, the SM3 digest (GB/T 32905) of the canonical payload.

    What a receiver recomputes to check the payload arrived as the hub sent it; the canonical
    form is the content hash's (sorted keys, no whitespace, UTF-8), so any JSON parser that
    keeps strings and numbers as sent can recompute it.
    """
    return _sm3(_canonical(payload))


def fingerprints(source: str, record_type: str, payload: dict[str, Any]) -> tuple[str, str]:
    """(:func:`content_hash`, :func:`payload_digest`) of one payload, canonicalised once."""
    canonical = _canonical(payload)
    return _content_hash(source, record_type, canonical), _sm3(canonical)


def _sm3(canonical: str) -> str:
    return "sm3:" + hashlib.new("sm3", canonical.encode("utf-8")).hexdigest()


def _content_hash(source: str, record_type: str, canonical: str) -> str:
    digest = hashlib.sha256(f"{source}\n{record_type}\n{canonical}".encode())
    return f"sha256:{digest.hexdigest()}"


def content_hash(source: str, record_type: str, payload: dict[str, Any]) -> str:
    """The idempotency key: equal for the same record sent again, in JSON or in XML.

    Canonical JSON (sorted keys, no whitespace, UTF-8) of the unified payload, so the wire format
    the source used does not change the key; the source and record type keep two systems'
    identical facts apart.
    """
    return _content_hash(source, record_type, _canonical(payload))
