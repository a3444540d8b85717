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

#: Stages a message passes through, in order; each leaves one hop in the trace.
HOP_STAGES = ("received", "standardised", "routed", "rejected", "review", "feedback")


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

    stage: str = Field(description=f"One of {', '.join(HOP_STAGES)}.")
    at: datetime = Field(description="When the step happened (UTC).")
    node: str = Field(description="The worker that did it, host:pid.")
    detail: str | None = Field(default=None, description="What happened, e.g. the route ids.")


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

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        return cls.model_validate_json(body)


def content_hash(source: str, record_type: str, payload: dict[str, Any]) -> str:
    """The idempotency key: equal for the same record sent again, in JSON or in XML.

    Canonical JSON (sorted keys, no whitespace, UTF-8) of the unified payload, so the wire format
    the source used does not change the key; the source and record type keep two systems'
    identical facts apart.
    """
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(f"{source}\n{record_type}\n{canonical}".encode())
    return f"sha256:{digest.hexdigest()}"
