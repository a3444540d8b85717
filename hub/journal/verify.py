"""Checking the journal's chains: what ``hub verify-log`` runs.

For each chain (``messages``, ``audit``; see :mod:`hub.journal.chain`) this recomputes every
link from the rows as stored, checks every checkpoint's SM2 signature against the keyring's
public keys, and reports the first broken link:

- ``changed``: a row does not match its link (edited behind the hub's back);
- ``missing``: links are absent (rows deleted), at the start without a signed anchor, in the
  middle (a gap) or at the end (the head or a checkpoint names links no row holds);
- ``rewritten``: the links agree with the rows but not with a signed checkpoint (rows edited
  and every later hash recomputed: only a signature shows it);
- ``forged``: a checkpoint whose signature does not verify, or by a key the keyring never had;
- ``unchained``: rows outside the chain, received after it began (rows written before the
  chain existed are counted, not a break).

Links after the last checkpoint are reported as ``unsigned``: a deletion of the chain's tail
there, with the head moved back too, would go unseen; checkpoints are signed every
``checkpoint_rows`` links or ``checkpoint_seconds`` to keep that tail short.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Connection, func, select

from hub.crypto.sm2 import VerifyingKey
from hub.journal import chain
from hub.journal.tables import AuditRow, ChainCheckpointRow, MessageRow

#: Finds the public key of a signing key by id (None: never in the keyring).
PublicKeys = Callable[[str], VerifyingKey | None]


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain."""

    chain: str
    kind: str
    seq: int | None
    row: str | None
    detail: str


@dataclass(frozen=True)
class ChainReport:
    """What verifying one chain found."""

    chain: str
    links: int
    first_seq: int | None
    last_seq: int | None
    checkpoints: int
    signed_through: int
    legacy_rows: int
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    @property
    def unsigned(self) -> int:
        """Links after the last signed checkpoint."""
        return 0 if self.last_seq is None else max(0, self.last_seq - self.signed_through)


@dataclass(frozen=True)
class _Shape:
    table: Any
    linked: tuple[str, ...]
    row_name: str
    time: str


_SHAPES = {
    chain.MESSAGES: _Shape(MessageRow, chain.MESSAGE_LINKED, "message_id", "received_at"),
    chain.AUDIT: _Shape(AuditRow, chain.AUDIT_LINKED, "id", "at"),
}


def verify_all(connection: Connection, public_keys: PublicKeys) -> list[ChainReport]:
    return [verify_chain(connection, name, public_keys) for name in chain.CHAINS]


def verify_chain(connection: Connection, name: str, public_keys: PublicKeys) -> ChainReport:
    """Verify chain ``name`` (see the module's doc)."""
    shape = _SHAPES[name]
    signed, forged, checkpoint_count = _checkpoints(connection, name, public_keys)
    state = _Walk(name, shape, signed)
    broken = forged
    for row in _rows(connection, shape):
        if broken is not None:
            break
        broken = state.step(row)
    if broken is None and state.count:
        broken = _tail(connection, name, state, signed)
    if broken is None:
        broken = _unchained_after_start(connection, shape, name, state)
    return ChainReport(
        chain=name, links=state.count, first_seq=state.first, last_seq=state.last,
        checkpoints=checkpoint_count, signed_through=state.signed_through,
        legacy_rows=_unchained(connection, shape), broken=broken,
    )


def _checkpoints(
    connection: Connection, name: str, public_keys: PublicKeys
) -> tuple[dict[int, set[str]], Break | None, int]:
    signed: dict[int, set[str]] = {}
    count = 0
    rows = connection.execute(
        select(*ChainCheckpointRow.__table__.c).where(ChainCheckpointRow.chain == name)
        .order_by(ChainCheckpointRow.seq, ChainCheckpointRow.id)
    )
    for cp in rows:
        key = public_keys(cp.key_id)
        if key is None:
            return signed, Break(name, "forged", cp.seq, None,
                                 f"checkpoint at link {cp.seq} names signing key {cp.key_id!r}, "
                                 "which the keyring never held"), count
        if not chain.checkpoint_valid(key, name, cp.seq, cp.hash, cp.at, cp.kind, cp.signature):
            return signed, Break(name, "forged", cp.seq, None,
                                 f"checkpoint at link {cp.seq}: its SM2 signature does not verify "
                                 f"with key {cp.key_id}"), count
        signed.setdefault(cp.seq, set()).add(cp.hash)
        count += 1
    return signed, None, count


def _rows(connection: Connection, shape: _Shape) -> Iterator[Any]:
    table = shape.table
    columns: Sequence[Column[Any]] = [
        getattr(table, c) for c in dict.fromkeys((*shape.linked, shape.row_name, "chain_hash"))
    ]
    query = (
        select(*columns).where(table.chain_seq.is_not(None)).order_by(table.chain_seq)
        .execution_options(yield_per=1000)
    )
    yield from connection.execute(query)


class _Walk:
    """The walk along one chain, link by link."""

    def __init__(self, name: str, shape: _Shape, signed: dict[int, set[str]]) -> None:
        self.name, self.shape, self.signed = name, shape, signed
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None
        self.previous = chain.GENESIS
        self.first_time: Any = None
        self.signed_through = 0

    def step(self, row: Any) -> Break | None:
        values = row._asdict()
        seq: int = values["chain_seq"]
        ident = str(values[self.shape.row_name])
        if self.first is None:
            self.first, self.first_time = seq, values[self.shape.time]
            if seq != 1:
                anchors = self.signed.get(seq - 1)
                if not anchors or len(anchors) != 1:
                    return Break(self.name, "missing", seq - 1, ident,
                                 f"links 1 to {seq - 1} are gone and no signed checkpoint "
                                 f"anchors link {seq - 1}: rows were deleted from the start")
                self.previous = next(iter(anchors))
                self.signed_through = seq - 1
        elif seq != (self.last or 0) + 1:
            expected = (self.last or 0) + 1
            gap = f"link {expected} is" if seq - 1 == expected else f"links {expected} to {seq - 1} are"
            return Break(self.name, "missing", expected, ident,
                         f"{gap} missing: rows deleted before {self.shape.row_name} {ident}")
        computed = chain.link(self.previous, chain.content(values, self.shape.linked))
        if computed != values["chain_hash"]:
            return Break(self.name, "changed", seq, ident,
                         f"link {seq} ({self.shape.row_name} {ident}) does not match the row: "
                         "the row was changed behind the hub's back")
        hashes = self.signed.get(seq)
        if hashes is not None:
            if computed not in hashes:
                return Break(self.name, "rewritten", seq, ident,
                             f"the signed checkpoint at link {seq} disagrees with the chain: "
                             f"rows after link {self.signed_through} up to {seq} were changed and "
                             "their links recomputed")
            self.signed_through = seq
        self.previous, self.last = computed, seq
        self.count += 1
        return None


def _tail(connection: Connection, name: str, walk: _Walk, signed: dict[int, set[str]]) -> Break | None:
    head = chain.read_head(connection, name)
    beyond = [seq for seq in signed if walk.last is not None and seq > walk.last]
    if head is not None and walk.last is not None and head.seq > walk.last:
        return Break(name, "missing", walk.last + 1, None,
                     f"the chain's head is link {head.seq} but the last row holds link "
                     f"{walk.last}: rows were deleted from the end")
    if beyond:
        return Break(name, "missing", (walk.last or 0) + 1, None,
                     f"a signed checkpoint names link {max(beyond)} but the last row holds link "
                     f"{walk.last}: rows were deleted from the end")
    if head is not None and (head.seq, head.hash) != (walk.last, walk.previous):
        return Break(name, "changed", head.seq, None,
                     "the chain's head does not match its last row")
    return None


def _unchained(connection: Connection, shape: _Shape) -> int:
    return connection.scalar(
        select(func.count()).select_from(shape.table).where(shape.table.chain_seq.is_(None))
    ) or 0


def _unchained_after_start(connection: Connection, shape: _Shape, name: str, walk: _Walk) -> Break | None:
    if walk.first_time is None:
        return None
    table = shape.table
    row = connection.execute(
        select(getattr(table, shape.row_name)).where(
            table.chain_seq.is_(None), getattr(table, shape.time) > walk.first_time
        ).limit(1)
    ).first()
    if row is None:
        return None
    return Break(name, "unchained", None, str(row[0]),
                 f"{shape.row_name} {row[0]} is outside the chain but dated after it began: "
                 "added behind the hub's back")
