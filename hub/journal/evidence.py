"""The journal as evidence: personal data sealed, rows chained, the chains signed.

An :class:`Evidence` is given to :class:`hub.journal.Journal` by whoever opens it to write
(the hub always does; see :mod:`hub.assembly`). With it, every message row is written once
(the first account of an input is the evidence; a later one of the same message id, such as a
redelivery's, is not merged in), sealed (:mod:`hub.journal.protection`) and linked into the
``messages`` chain; audit entries are linked into the ``audit`` chain; a checkpoint of the
messages chain is signed with SM2 every ``checkpoint_rows`` links or ``checkpoint_seconds``,
whichever comes first (at the next write), and one of the audit chain after every entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection

from hub.crypto.keyring import Keyring, KeyringSource
from hub.journal import chain
from hub.journal.chain import Head
from hub.journal.protection import PersonalFinder, Protection


class Evidence:
    """Keys and checkpoint policy for one journal (thread-safe)."""

    def __init__(
        self,
        keyring: KeyringSource,
        find_personal: PersonalFinder,
        *,
        checkpoint_rows: int = 1000,
        checkpoint_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if checkpoint_rows <= 0 or checkpoint_seconds <= 0:
            raise ValueError("checkpoint_rows and checkpoint_seconds must be > 0")
        self.keyring_source = keyring
        self.protection = Protection(keyring, find_personal)
        self.checkpoint_rows = checkpoint_rows
        self.checkpoint_seconds = checkpoint_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._signed_seq: dict[str, int] = {}
        self._signed_at: dict[str, float] = {}

    def keyring(self) -> Keyring:
        return self.keyring_source.current()

    def checkpoint_due(self, chain: str, head: Head) -> bool:
        """Whether ``head`` of ``chain`` should be signed now (never twice the same link)."""
        with self._lock:
            signed = self._signed_seq.get(chain)
            if signed is None:
                return head.seq > 0  # the first write of this process: sign where it starts
            if head.seq <= signed:
                return False
            elapsed = self._monotonic() - self._signed_at.get(chain, 0.0)
            return head.seq - signed >= self.checkpoint_rows or elapsed >= self.checkpoint_seconds

    def checkpointed(self, chain: str, head: Head) -> None:
        with self._lock:
            self._signed_seq[chain] = head.seq
            self._signed_at[chain] = self._monotonic()

    def unsigned(self, chain: str, head: Head) -> bool:
        """Whether this process has links of ``chain`` up to ``head`` not yet signed."""
        with self._lock:
            signed = self._signed_seq.get(chain)
            return signed is not None and head.seq > signed


    def sign_unsigned(self, connection: Connection) -> None:
        """Sign the messages chain's head if this process wrote links not signed yet (a
        writer stopping: its last links are then covered too)."""
        head = chain.read_head(connection, chain.MESSAGES)
        if head is not None and self.unsigned(chain.MESSAGES, head):
            key = self.keyring().active_signing_key()
            chain.write_checkpoint(connection, key, chain.MESSAGES, head, datetime.now(UTC), "close")
            self.checkpointed(chain.MESSAGES, head)
