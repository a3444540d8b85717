"""The SM3 chains over the journal's message rows and its audit trail.

Each row of a chain carries ``chain_seq`` (1, 2, 3, ... without gaps) and ``chain_hash``::

    chain_hash(n) = SM3( chain_hash(n-1) | "\\n" | SM3(canonical content of row n) )

with ``chain_hash(0)`` = :data:`GENESIS`. The canonical content is a JSON array of the row's
stored values (:func:`message_content`, :func:`audit_content`): times as ISO 8601 UTC with
microseconds, JSON documents with sorted keys and no whitespace, binary values (the sealed
body, a signature) as their SM3 digest. It is computed from what the database holds, so a
verifier recomputes it from a row read back on either backend.

Changing a row breaks its link; deleting one leaves a gap; rewriting a row *and* every hash
after it is caught by the SM2-signed checkpoints (:class:`ChainCheckpointRow`), which only the
holder of the signing key can make. Appending holds the chain's head row locked for the rest of
the transaction (an UPDATE first: SQLite then holds its write lock, PostgreSQL the row lock), so
writers in several processes number their links without gaps or forks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from hub.crypto.sm2 import SigningKey, VerifyingKey
from hub.crypto.sm3 import sm3, sm3_hex
from hub.journal.tables import ChainCheckpointRow, ChainHeadRow

MESSAGES = "messages"
AUDIT = "audit"
CHAINS = (MESSAGES, AUDIT)
#: The link before the first.
GENESIS = "0" * 64


def canonical_json(value: Any) -> Any:
    """A JSON document as the chain sees it: None stays None, anything else sorted and tight."""
    if value is None:
        return None
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_time(value: datetime | str) -> str:
    """A UTC time as ISO 8601 with microseconds; SQLite's stored text is UTC already."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def binary_digest(value: bytes | memoryview | None) -> str | None:
    return None if value is None else sm3_hex(bytes(value))


#: The message columns a link covers, in this order (body as its digest).
MESSAGE_LINKED = (
    "message_id", "received_at", "source", "record_type", "routing_key", "content_type",
    "content_encoding", "source_message_id", "correlation_id", "credit_code", "content_hash",
    "headers", "body", "payload", "outcome", "body_size", "body_sha256", "key_id", "chain_seq",
)  # fmt: skip
#: The audit columns a link covers, in this order.
AUDIT_LINKED = (
    "at", "actor", "action", "reason", "parameters", "affected", "dry_run", "chain_seq",
)  # fmt: skip
_JSON = frozenset({"headers", "payload", "outcome", "parameters"})
_TIME = frozenset({"received_at", "at"})


def content(values: Mapping[str, Any], columns: Sequence[str]) -> bytes:
    """The canonical content of one row of a chain, from its stored ``values``."""
    out: list[Any] = []
    for name in columns:
        value = values[name]
        if value is None:
            out.append(None)
        elif name in _JSON:
            out.append(canonical_json(value))
        elif name in _TIME:
            out.append(canonical_time(value))
        elif name == "body":
            out.append(binary_digest(value))
        elif name == "dry_run":
            out.append(bool(value))
        else:
            out.append(value)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def link(previous: str, row_content: bytes) -> str:
    """The hash of the link after ``previous`` for a row with ``row_content``."""
    return sm3_hex(previous.encode("ascii") + b"\n" + sm3(row_content))


@dataclass(frozen=True)
class Head:
    """The last link of a chain: its number and hash (0 and GENESIS for an empty chain)."""

    seq: int
    hash: str


def lock_head(connection: Connection, chain: str) -> Head:
    """The head of ``chain``, locked until the transaction ends (created at GENESIS)."""
    locked = connection.execute(
        update(ChainHeadRow).where(ChainHeadRow.chain == chain).values(seq=ChainHeadRow.seq)
    )
    if locked.rowcount == 0:
        connection.execute(insert(ChainHeadRow).values(chain=chain, seq=0, hash=GENESIS))
        return Head(0, GENESIS)
    row = connection.execute(
        select(ChainHeadRow.seq, ChainHeadRow.hash).where(ChainHeadRow.chain == chain)
    ).one()
    return Head(row.seq, row.hash)


def move_head(connection: Connection, chain: str, head: Head) -> None:
    connection.execute(
        update(ChainHeadRow).where(ChainHeadRow.chain == chain).values(seq=head.seq, hash=head.hash)
    )


def read_head(connection: Connection, chain: str) -> Head | None:
    row = connection.execute(
        select(ChainHeadRow.seq, ChainHeadRow.hash).where(ChainHeadRow.chain == chain)
    ).one_or_none()
    return None if row is None else Head(row.seq, row.hash)


def checkpoint_statement(chain: str, seq: int, hash_: str, at: datetime, kind: str) -> bytes:
    """What a checkpoint's SM2 signature covers."""
    return (
        f"supervision-hub journal checkpoint\n{chain}\n{seq}\n{hash_}\n"
        f"{canonical_time(at)}\n{kind}"
    ).encode()


def write_checkpoint(
    connection: Connection, key: SigningKey, chain: str, head: Head, at: datetime, kind: str
) -> None:
    """Sign ``head`` of ``chain`` and store the checkpoint."""
    signature = key.sign(checkpoint_statement(chain, head.seq, head.hash, at, kind))
    connection.execute(
        insert(ChainCheckpointRow).values(
            chain=chain, seq=head.seq, hash=head.hash, at=at, kind=kind, key_id=key.key_id,
            signature=signature,
        )
    )


def checkpoint_valid(
    key: VerifyingKey, chain: str, seq: int, hash_: str, at: datetime, kind: str, signature: bytes
) -> bool:
    return key.verify(checkpoint_statement(chain, seq, hash_, at, kind), bytes(signature))
