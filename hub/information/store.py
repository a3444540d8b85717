"""The supervision database: every delivered record in the unified standard, filed under its
entity, for the information service to query.

Landing contract (:meth:`SupervisionStore.land`, or :meth:`SupervisionStore.land_batch` for
many envelopes in one transaction), per envelope:

- a record is found by its business key (:mod:`hub.information.filing`): a correction or a
  withdrawal (the same licence with status 2, the same measure with an end date) replaces the
  version it corrects instead of standing beside it;
- idempotent by ``content_hash``: the version already stored lands as ``unchanged``;
- a version received before the one stored (a redelivery or replay of what was corrected since)
  lands as ``stale`` and changes nothing: the latest received version stands;
- the payload's personal fields are sealed with the keyring's active data key and its ID
  numbers indexed by keyed digest, as in the journal; the rest stays readable to queries.

Two hub processes landing the same record at once are safe: the insert is an upsert on the
business key, and the loser retries as an update.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from hub.crypto.keyring import Keyring, KeyringSource
from hub.crypto.sealed_fields import (
    FieldPath,
    open_fields,
    person_digest,
    seal_fields,
)
from hub.information.filing import Filing, NotFiled, filing_of
from hub.information.migrate import upgrade_to_head
from hub.information.tables import ENFORCERS, PERSONS, RECORDS, RecordRow
from hub.journal.engine import create_journal_engine, reading, writing
from hub.journal.journal_errors import JournalUnavailable
from hub.journal.protection import ID_NUMBER, PersonalFinder
from schemas.contract.envelope import Envelope, utc_now


class Landing(StrEnum):
    """What landing one envelope did."""

    LANDED = "landed"  # a record the database did not hold
    CORRECTED = "corrected"  # a newer version of a record it held
    UNCHANGED = "unchanged"  # the version it holds (same content hash)
    STALE = "stale"  # a version older than the one it holds


def field_context(message_id: str, path: FieldPath) -> bytes:
    """What a personal field of a landed payload is sealed for: this database, the message
    the version came in, and the field."""
    dotted = ".".join(str(part) for part in path)
    return b"supervision payload\x00" + message_id.encode("utf-8") + b"\x00" + dotted.encode()


@dataclass(frozen=True)
class StoredRecord:
    """One record as a query reads it: its filing columns and its envelope, personal fields
    opened as far as the keyring can (masking for the reader is the caller's business)."""

    record_type: str
    business_key: str
    credit_code: str | None
    entity_name: str | None
    source: str
    message_id: str
    versions: int
    filing: Filing
    envelope: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        payload = self.envelope["payload"]
        assert isinstance(payload, dict)
        return payload


class SupervisionStore:
    """The supervision database on one engine (SQLite in data_dir, or PostgreSQL)."""

    def __init__(self, engine: Engine, keyring: KeyringSource,
                 find_personal: PersonalFinder) -> None:
        self.engine = engine
        self.keyring = keyring
        self.find_personal = find_personal

    @classmethod
    def open(cls, url: str, keyring: KeyringSource, find_personal: PersonalFinder
             ) -> SupervisionStore:
        """The database at ``url``, migrated to the current schema.

        Raises :class:`ConfigError` for a bad URL, :class:`JournalUnavailable` (transient) when
        the database cannot be reached."""
        engine = create_journal_engine(url)
        upgrade_to_head(engine)
        return cls(engine, keyring, find_personal)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read transaction, for :mod:`hub.information.queries`."""
        with reading(self.engine) as connection:
            yield connection

    def land(self, envelope: Envelope) -> Landing:
        """File ``envelope``'s record (see the module's contract).

        Raises :class:`hub.information.filing.NotFiled` for a record the database does not keep,
        :class:`JournalUnavailable` when the database is unreachable (try again later)."""
        outcome = self.land_batch([envelope])[0]
        if isinstance(outcome, NotFiled):
            raise outcome
        return outcome

    def land_batch(self, envelopes: Sequence[Envelope]) -> list[Landing | NotFiled]:
        """File every record of ``envelopes`` in one transaction, in order: a correction later
        in the batch corrects a record filed earlier in it.

        Returns one outcome per envelope: a :class:`Landing`, or the :class:`NotFiled` error of
        a record the database does not keep (nothing of it written; the others land). Raises
        for the whole batch, nothing of it written: :class:`JournalUnavailable` when the
        database is unreachable, :class:`RecordsRefused` when it refuses a value."""
        keyring = self.keyring.current()
        prepared: list[_Prepared | NotFiled] = []
        for envelope in envelopes:
            try:
                filing = filing_of(envelope.record_type, envelope.payload)
            except NotFiled as refused:
                prepared.append(refused)
                continue
            sealed, digests, key_id = self._sealed(envelope, keyring)
            columns = _columns(filing, envelope) | {"envelope": sealed, "key_id": key_id,
                                                    "landed_at": utc_now()}
            prepared.append(_Prepared(filing, envelope, columns, digests))
        # Rows are locked in key order, so two processes landing overlapping batches wait for
        # each other instead of deadlocking; the sort is stable, so a record's versions keep
        # the batch's order.
        filed = sorted((item for item in prepared if isinstance(item, _Prepared)),
                       key=lambda item: (item.filing.record_type, item.filing.business_key))
        landings: dict[_Prepared, Landing] = {}
        if filed:
            with writing(self.engine) as connection:
                for item in filed:
                    landings[item] = self._file_once(connection, item)
        return [item if isinstance(item, NotFiled) else landings[item] for item in prepared]

    def _file_once(self, connection: Connection, item: _Prepared) -> Landing:
        """File one record; if another process inserted it meanwhile, the second attempt
        (which sees that row: each statement reads what is committed) updates it."""
        for _attempt in range(2):
            outcome = self._file(connection, item.filing, item.envelope, item.columns,
                                 item.digests)
            if outcome is not None:
                return outcome
        raise JournalUnavailable(f"record {item.filing.business_key!r} kept changing while landing")

    def _file(self, connection: Connection, filing: Filing, envelope: Envelope,
              columns: dict[str, Any], digests: list[tuple[str, str]]) -> Landing | None:
        """One landing attempt; None when another process inserted the record meanwhile."""
        statements = _STATEMENTS[connection.dialect.name]
        found = connection.execute(statements.find, {
            "the_type": filing.record_type, "the_key": filing.business_key}).first()
        if found is None:
            record_id = connection.execute(statements.insert, {"versions": 1, **columns}).scalar()
            if record_id is None:
                return None
            outcome = Landing.LANDED
        elif found.content_hash == envelope.content_hash:
            return Landing.UNCHANGED
        elif found.received_at > envelope.received_at:
            return Landing.STALE
        else:
            record_id = found.id
            connection.execute(statements.update, {"the_id": record_id, **columns})
            connection.execute(statements.forget_enforcers, {"the_id": record_id})
            connection.execute(statements.forget_persons, {"the_id": record_id})
            outcome = Landing.CORRECTED
        if filing.enforcers:
            connection.execute(statements.add_enforcer, [
                {"record_id": record_id, "department": department}
                for department in sorted(set(filing.enforcers))])
        if digests:
            connection.execute(statements.add_person, [
                {"record_id": record_id, "digest": digest, "digest_key_id": digest_id}
                for digest, digest_id in sorted(set(digests))])
        return outcome

    def _sealed(self, envelope: Envelope, keyring: Keyring
                ) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
        document = envelope.model_dump(mode="json")  # a fresh document, safe to seal in place
        key = keyring.active_data_key()
        digest_id, digest_key = keyring.active_digest_key()
        personal = self.find_personal(envelope.record_type, document["payload"])
        context = functools.partial(field_context, envelope.message_id)
        prefixed = [(("payload", *path), kind) for path, kind in personal]
        sealed = seal_fields(document, prefixed, key, lambda path: context(path[1:]))
        digests = [(person_digest(digest_key, value), digest_id)
                   for _path, kind, value in sealed if kind == ID_NUMBER]
        return document, digests, key.key_id

    def opened(self, row: Any) -> StoredRecord:
        """A :class:`RecordRow` read by a query, its personal fields opened."""
        envelope = dict(row.envelope)
        context = functools.partial(field_context, row.message_id)
        envelope["payload"] = open_fields(envelope["payload"], self.keyring.current(), context)
        return StoredRecord(
            record_type=row.record_type, business_key=row.business_key,
            credit_code=row.credit_code, entity_name=row.entity_name, source=row.source,
            message_id=row.message_id, versions=row.versions,
            filing=Filing(row.record_type, row.business_key, row.credit_code, row.entity_name,
                          row.party_category, row.starts_on, row.ends_on, row.published_until,
                          row.status),
            envelope=envelope,
        )


@dataclass(frozen=True, eq=False)
class _Prepared:
    """One envelope ready to file: its filing, its columns (payload sealed) and the digests
    of the ID numbers in it."""

    filing: Filing
    envelope: Envelope
    columns: dict[str, Any]
    digests: list[tuple[str, str]]


class _Statements:
    """The landing's statements, built once per dialect with bound parameters: a statement
    built per call with its values in it costs SQLAlchemy more than the database's work."""

    def __init__(self, dialect: str) -> None:
        records = RECORDS
        self.find = (select(RecordRow.id, RecordRow.content_hash, RecordRow.received_at)
                     .where(RecordRow.record_type == bindparam("the_type"),
                            RecordRow.business_key == bindparam("the_key"))
                     .with_for_update())
        # INSERT ... ON CONFLICT DO NOTHING: both backends have it; SQLAlchemy spells it per
        # dialect.
        upsert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.insert = (upsert(records)
                       .on_conflict_do_nothing(index_elements=["record_type", "business_key"])
                       .returning(records.c.id))
        self.update = (update(records).where(records.c.id == bindparam("the_id"))
                       .values(versions=records.c.versions + 1))
        self.forget_enforcers = delete(ENFORCERS).where(
            ENFORCERS.c.record_id == bindparam("the_id"))
        self.forget_persons = delete(PERSONS).where(PERSONS.c.record_id == bindparam("the_id"))
        self.add_enforcer = insert(ENFORCERS)
        self.add_person = insert(PERSONS)


_STATEMENTS = {dialect: _Statements(dialect) for dialect in ("sqlite", "postgresql")}


def _columns(filing: Filing, envelope: Envelope) -> dict[str, Any]:
    return {
        "record_type": filing.record_type, "business_key": filing.business_key,
        "credit_code": filing.credit_code, "entity_name": filing.entity_name,
        "party_category": filing.party_category, "starts_on": filing.starts_on,
        "ends_on": filing.ends_on, "published_until": filing.published_until,
        "status": filing.status, "source": envelope.source, "message_id": envelope.message_id,
        "content_hash": envelope.content_hash, "received_at": envelope.received_at,
    }
