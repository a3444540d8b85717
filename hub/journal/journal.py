"""The :class:`Journal`: the message journal's one entry point.

Plain values in, plain values out (:mod:`hub.journal.records`); no SQLAlchemy object crosses
this boundary. Every method is one transaction and is safe to call from several threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from hub.crypto.keyring import Keyring
from hub.journal import audit, queries, recording, retention
from hub.journal.checkpoints import AdapterCheckpoints
from hub.journal.delivery_keys import DeliveryKeys
from hub.journal.engine import create_journal_engine, reading, writing
from hub.journal.evidence import Evidence
from hub.journal.migrate import upgrade_to_head
from hub.journal.protection import person_digests, unseal
from hub.journal.records import AuditEntry, JournalEvent, JournalMessage, MessageQuery
from hub.journal.verify import ChainReport, PublicKeys, verify_all
from schemas.contract.errors import ConfigError


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Journal:
    """Messages, hop events, the audit trail and delivery keys in one database."""

    def __init__(
        self, engine: Engine, *, clock: Callable[[], datetime] = _utc_now,
        evidence: Evidence | None = None,
    ) -> None:
        """Use :meth:`open`; this takes an engine whose schema is already at head."""
        self._engine = engine
        self._clock = clock
        self._evidence = evidence
        self.delivery_keys = DeliveryKeys(engine, clock=clock)

    @property
    def evidence(self) -> Evidence | None:
        """How this journal seals, chains and signs (None: a journal opened without keys,
        which writes in the clear and reads sealed values as unreadable)."""
        return self._evidence

    def _keyring(self) -> Keyring | None:
        return None if self._evidence is None else self._evidence.keyring()

    @classmethod
    def open(
        cls, url: str, *, lock_timeout: float = 10.0, clock: Callable[[], datetime] = _utc_now,
        evidence: Evidence | None = None,
    ) -> Journal:
        """Connect to ``url`` and upgrade its schema to the current revision.

        ``sqlite:///path/journal.sqlite`` (the file and its folder are created) or
        ``postgresql+psycopg://user@host/database``. Safe when several processes open the same
        database at once (see :mod:`hub.journal.migrate`). ``lock_timeout`` (seconds) bounds
        every wait for another connection's lock.

        Raises :class:`schemas.contract.errors.ConfigError` for a bad URL and :class:`JournalUnavailable`
        when the database cannot be reached. Every other method raises
        :class:`JournalUnavailable` when the database is unreachable or a lock is not granted
        within ``lock_timeout``. ``clock`` dates what the journal itself timestamps (delivery
        keys' ``first_delivered_at``). ``evidence`` (:mod:`hub.journal.evidence`): the keys
        with which the journal seals personal data, chains its rows and signs checkpoints.
        """
        engine = create_journal_engine(url, lock_timeout=lock_timeout)
        try:
            upgrade_to_head(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, clock=clock, evidence=evidence)

    def checkpoints(self, adapter: str) -> AdapterCheckpoints:
        """The persistent checkpoints of the adapter instance named ``adapter``."""
        return AdapterCheckpoints(self._engine, adapter, clock=self._clock)

    def close(self) -> None:
        """Sign the chains' heads this process left unsigned, then close every pooled
        connection; the journal must not be used afterwards."""
        try:
            if self._evidence is not None:
                with writing(self._engine) as connection:
                    self._evidence.sign_unsigned(connection)
        finally:
            self._engine.dispose()

    def record(
        self, messages: Sequence[JournalMessage] = (), events: Sequence[JournalEvent] = ()
    ) -> None:
        """Store a batch in one transaction: all of it or, if this raises, none of it.

        A message already stored is not duplicated; values it lacked (credit code, content
        hash, payload, pipeline outcome) are filled in. Events are appended.
        """
        with writing(self._engine) as connection:
            recording.record(connection, messages, events, self._evidence)

    def trace(self, message_id: str) -> list[JournalEvent]:
        """Every hop of one message, oldest first (recorded events and those its pipeline
        outcome stands for); empty for an unknown message."""
        with reading(self._engine) as connection:
            return queries.trace(connection, message_id)

    def message(self, message_id: str) -> JournalMessage | None:
        """The message with its original body, or None."""
        with reading(self._engine) as connection:
            found = queries.message(connection, message_id)
        return None if found is None else unseal(found, self._keyring())

    def timeline(
        self, credit_code: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[JournalEvent]:
        """Every event about one entity's records, oldest first (see :func:`queries.timeline`)."""
        with reading(self._engine) as connection:
            return queries.timeline(connection, credit_code, since=since, until=until)

    def find_messages(self, query: MessageQuery) -> list[JournalMessage]:
        """The messages matching ``query``, oldest first, at most ``query.limit``."""
        keyring = self._keyring()
        digests: list[str] = []
        if query.person_id is not None:
            if keyring is None:
                raise ConfigError("finding a person's records needs the journal's keyring")
            digests = person_digests(keyring, query.person_id)
        with reading(self._engine) as connection:
            found = queries.find_messages(connection, query, digests)
        return [unseal(message, keyring) for message in found]

    def last_received(self, sources: Iterable[str]) -> dict[str, datetime]:
        """When the hub last received a message from each of ``sources`` (those it has any of)."""
        with reading(self._engine) as connection:
            return queries.last_received(connection, sources)

    def purge(
        self, older_than: datetime, *, batch_size: int = retention.DEFAULT_BATCH_SIZE
    ) -> int:
        """Apply retention: remove messages, their events and delivery keys older than
        ``older_than``, at most ``batch_size`` rows per table per transaction; keep the audit
        trail. Returns the number of messages removed."""
        return retention.purge(
            self._engine, older_than, batch_size=batch_size, evidence=self._evidence
        )

    def audit(self, entry: AuditEntry) -> None:
        """Append an administrator action to the audit trail."""
        with writing(self._engine) as connection:
            audit.append(connection, entry, self._evidence)

    def audits(self, *, limit: int = 100, since: datetime | None = None) -> list[AuditEntry]:
        """Up to ``limit`` audit entries at or after ``since``, newest first."""
        with reading(self._engine) as connection:
            return audit.recent(connection, limit=limit, since=since)

    def verify(self, public_keys: PublicKeys) -> list[ChainReport]:
        """Check both chains link by link and their checkpoints' signatures
        (:mod:`hub.journal.verify`); ``public_keys`` finds a signing key's public key by id."""
        with reading(self._engine) as connection:
            return verify_all(connection, public_keys)

    def key_usage(self) -> dict[str, int]:
        """How many stored rows each key protects, by key id (data keys: sealed messages;
        digest keys: indexed ID numbers; signing keys: checkpoints)."""
        with reading(self._engine) as connection:
            return queries.key_usage(connection)
