"""Stage 1, receive: InboundMessage -> Received, or a Refusal when it is not properly addressed.

:func:`receive` identifies the input (never fails: it only reads the routing key and a header);
:func:`check_addressing` then refuses, before anything reads the body: the problems an adapter
attached, a routing key that is not ``<source>.<record type>``, an unknown source, a record type
sources may not send or the hub does not know, and a body over the size limit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Container, Mapping
from typing import Any

import schemas
from hub.pipeline.forms import FEEDBACK, Input, Received, Refusal, Stamp
from schemas.contract.envelope import new_message_id
from schemas.contract.messages import (
    HUB_MESSAGE_ID_HEADER,
    REPLAY_OF_HEADER,
    InboundMessage,
)
from schemas.contract.problems import (
    ADAPTER_PROBLEMS_HEADER,
    MESSAGE_TOO_LARGE,
    RECORD_TYPE_NOT_ACCEPTED,
    ROUTING_KEY_INVALID,
    SOURCE_UNKNOWN,
    Problem,
)
from schemas.contract.states import EventKind

SCHEMA_VERSION_HEADER = "hub-schema-version"


def receive(
    message: InboundMessage, stamp: Stamp, trusted_publisher: str | None = None
) -> Received:
    """The input identified (its hub message id, see :func:`hub_message_id`; source and record
    type from the routing key; the schema version from its header, else the current one), with
    the ``received`` hop."""
    source, _, record_type = message.routing_key.partition(".")
    version = message.headers.get(SCHEMA_VERSION_HEADER) or schemas.SCHEMA_VERSION
    identity = Input(
        message=message,
        message_id=hub_message_id(message, trusted_publisher),
        received_at=stamp.clock(),
        source=source,
        record_type=record_type,
        schema_version=str(version),
    )
    hop = stamp.hop(EventKind.RECEIVED, f"{len(message.body)} bytes, key {message.routing_key}")
    return Received(identity, (hop,))


def hub_message_id(message: InboundMessage, trusted_publisher: str | None) -> str:
    """The id the hub gives this input, the same however often the broker delivers it.

    - The one the hub's own inbound port already gave it (in :data:`HUB_MESSAGE_ID_HEADER`),
      believed only when the broker vouches that the hub's own user, ``trusted_publisher``,
      published it, and it is a UUID. A department cannot choose the id: it could otherwise
      merge its message into another's journal record.
    - A new one for a replay the hub published (:data:`REPLAY_OF_HEADER`): an input of its own.
    - Otherwise one derived from what identifies the message on the wire (:func:`input_id`),
      so that an input redelivered after a crash, or retried, is journaled once.
    """
    claimed = message.headers.get(HUB_MESSAGE_ID_HEADER)
    trusted = trusted_publisher is not None and message.user_id == trusted_publisher
    if trusted and isinstance(claimed, str) and _is_canonical_uuid(claimed):
        return claimed
    if trusted and REPLAY_OF_HEADER in message.headers:
        return new_message_id()
    return input_id(message)


#: Namespace of the ids :func:`input_id` derives (a fixed, random UUID).
_INPUT_NAMESPACE = uuid.UUID("6f1d7c2e-8a4b-4f3e-9c55-1b2a7e0d9c41")


def input_id(message: InboundMessage) -> str:
    """A UUID (version 5) of the routing key (source and record type), the source's
    ``message_id`` and ``correlation_id``, and the body's SHA-256.

    Equal for every delivery of one message: a redelivery after a crash, or the hub's retry
    copy (which keeps these and changes only headers). Two messages a source sends with the
    same body and no distinguishing ``message_id`` are one input: the destinations would drop
    the second by its content hash anyway; a source that sends a record again on purpose gives
    it a new ``message_id``.
    """
    digest = hashlib.sha256(message.body).hexdigest()
    parts = (message.routing_key, message.message_id or "", message.correlation_id or "", digest)
    return str(uuid.uuid5(_INPUT_NAMESPACE, "\n".join(parts)))


def _is_canonical_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def check_addressing(
    received: Received, systems: Container[str], max_message_bytes: int
) -> Received | Refusal:
    """``received`` unchanged if it may go on to standardise, else its Refusal (adapter problems
    all, otherwise the first addressing problem)."""
    refused = adapter_problems(received.input.message.headers)
    if not refused:
        problem = _addressing_problem(received.input, systems, max_message_bytes)
        refused = [problem] if problem is not None else []
    if refused:
        return Refusal(received.input, received.hops, tuple(refused))
    return received


def adapter_problems(headers: Mapping[str, Any]) -> list[Problem]:
    """The reasons an adapter gave for refusing this record (header set by the core's port)."""
    raw = headers.get(ADAPTER_PROBLEMS_HEADER)
    if raw is None:
        return []
    try:
        return [Problem(str(p["code"]), str(p.get("path", "")), str(p["message"]))
                for p in json.loads(raw)]
    except (ValueError, TypeError, KeyError):
        return [Problem("adapter.malformed", "", f"unreadable adapter problem header: {raw!r:.200}")]


def _addressing_problem(
    identity: Input, systems: Container[str], max_message_bytes: int
) -> Problem | None:
    if not identity.source or not identity.record_type:
        return Problem(
            ROUTING_KEY_INVALID,
            "",
            f"routing key {identity.message.routing_key!r} is not <source-id>.<record-type>",
        )
    if identity.source not in systems:
        return Problem(SOURCE_UNKNOWN, "", f"no system with id {identity.source!r} sends to the hub")
    if identity.record_type == FEEDBACK:
        return Problem(RECORD_TYPE_NOT_ACCEPTED, "", "feedback records are sent by the hub only")
    if identity.record_type not in schemas.RECORD_TYPES:
        return Problem(
            schemas.RECORD_TYPE_UNKNOWN,
            "",
            f"unknown record type {identity.record_type!r}; known: {', '.join(schemas.RECORD_TYPES)}",
        )
    size = len(identity.message.body)
    if size > max_message_bytes:
        return Problem(
            MESSAGE_TOO_LARGE, "", f"body is {size} bytes; the limit is {max_message_bytes}"
        )
    return None
