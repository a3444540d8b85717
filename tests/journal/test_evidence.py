"""The journal as evidence: personal data sealed at rest, rows chained with SM3, checkpoints
signed with SM2, and every change made behind the hub's back named by verification.

Every test runs on SQLite and on the real PostgreSQL. "Behind the hub's back" means plain SQL
on the database, as an administrator with database access would do it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from hub.crypto.key_files import ensure_keyring, generate_key, retire_key
from hub.crypto.keyring import KeyringSource, Purpose, load_keyring
from hub.crypto.sm4 import SealBroken
from hub.journal import Journal
from hub.journal import chain as chain_module
from hub.journal.engine import create_journal_engine
from hub.journal.evidence import Evidence
from hub.journal.protection import UNREADABLE
from hub.journal.records import AuditEntry, JsonText, MessageQuery, PipelineOutcome
from hub.journal.verify import ChainReport
from tests.journal.conftest import T0, message

NAME, ID_NUMBER = "张三", "310112199003071234"


def penalty_payload(name: str = NAME, id_number: str = ID_NUMBER) -> JsonText:
    return JsonText(json.dumps({
        "party": {"name": name, "category": "自然人", "id_type": "身份证", "id_number": id_number},
        "decision_number": "闵市监罚〔2026〕1号", "fine_amount": 0.2,
    }, ensure_ascii=False))


def find_personal(record_type: str, payload: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """The standard's classification for the party block, as the journal is handed it."""
    return [(("party", "name"), "person_name"), (("party", "id_number"), "id_number")]


def penalty(message_id: str, minutes: int = 0, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "record_type": "administrative_penalty",
        "body": f"<cf><xm>{NAME}</xm><zjhm>{ID_NUMBER}</zjhm><n>{message_id}</n></cf>".encode(),
        "payload": penalty_payload(),
        "credit_code": None,
        "outcome": PipelineOutcome("delivered", {"city-platform": "penalties"}),
    }
    values.update(fields)
    return message(message_id, at=T0 + timedelta(minutes=minutes), **values)


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "keyring.yaml"
    ensure_keyring(path, path.parent)
    return path


@pytest.fixture
def evidence(keyring_path: Path) -> Evidence:
    return Evidence(KeyringSource(keyring_path, recheck=0.0), find_personal, checkpoint_rows=3)


@pytest.fixture
def journal(open_journal: Callable[..., Journal], evidence: Evidence) -> Journal:
    return open_journal(evidence=evidence)


@pytest.fixture
def db(journal_url: str) -> Iterator[Engine]:
    engine = create_journal_engine(journal_url)
    yield engine
    engine.dispose()


def sql(db: Engine, statement: str, **params: Any) -> list[Any]:
    with db.begin() as connection:
        result = connection.execute(text(statement), params)
        return list(result) if result.returns_rows else []


def verify(journal: Journal, keyring_path: Path) -> dict[str, ChainReport]:
    public = load_keyring(keyring_path, secrets=False)
    return {report.chain: report for report in journal.verify(public.verifying_key)}


def test_personal_fields_and_bodies_are_unreadable_in_the_database(
    journal: Journal, db: Engine
) -> None:
    journal.record([penalty("m1")])
    (body, payload, key_id), = sql(db, "SELECT body, payload, key_id FROM journal_messages")
    stored = bytes(body) + (payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)).encode()
    assert ID_NUMBER.encode() not in stored and NAME.encode() not in stored
    assert "闵市监罚〔2026〕1号".encode() in stored  # what is not personal stays queryable
    assert key_id.startswith("data-")
    read = journal.message("m1")
    assert read is not None and read.body_readable
    assert read.body == penalty("m1").body
    assert read.payload is not None and read.payload["party"]["id_number"] == ID_NUMBER


def test_a_person_is_found_by_id_number_through_its_keyed_digest(journal: Journal, db: Engine) -> None:
    journal.record([penalty("m1"), penalty("m2", payload=penalty_payload("李四", "31011219850101002X"))])
    found = journal.find_messages(MessageQuery(person_id="31011219850101002x"))  # lower-case x
    assert [m.message_id for m in found] == ["m2"]
    assert [m.message_id for m in journal.find_messages(MessageQuery(person_id=ID_NUMBER))] == ["m1"]
    digests = [row[0] for row in sql(db, "SELECT digest FROM journal_persons")]
    assert len(digests) == 2 and ID_NUMBER not in digests


def test_without_the_key_personal_fields_stay_unreadable(
    journal: Journal, open_journal: Callable[..., Journal], keyring_path: Path
) -> None:
    journal.record([penalty("m1")])
    keyless = open_journal()  # no keyring at all
    read = keyless.message("m1")
    assert read is not None and not read.body_readable
    assert read.payload is not None and read.payload["party"]["id_number"] == UNREADABLE
    assert ID_NUMBER.encode() not in read.body
    # Retired (after rotation), the key no longer opens what it sealed.
    old = load_keyring(keyring_path).active_data_key().key_id
    generate_key(keyring_path, Purpose.DATA, keyring_path.parent)
    journal.record([penalty("m2")])
    retire_key(keyring_path, old)
    assert journal.message("m2").body_readable  # type: ignore[union-attr]
    retired = journal.message("m1")
    assert retired is not None and not retired.body_readable
    assert retired.payload["party"]["name"] == UNREADABLE  # type: ignore[index]


def test_a_sealed_value_moved_to_another_row_does_not_open(journal: Journal, db: Engine) -> None:
    journal.record([penalty("m1"), penalty("m2", payload=penalty_payload("李四", "31011219850101002X"))])
    (body,), = sql(db, "SELECT body FROM journal_messages WHERE message_id = 'm2'")
    sql(db, "UPDATE journal_messages SET body = :body WHERE message_id = 'm1'", body=bytes(body))
    with pytest.raises(SealBroken):
        journal.message("m1")


def test_an_intact_journal_verifies_across_batches_writers_and_a_second_account(
    journal: Journal, open_journal: Callable[..., Journal], evidence: Evidence, keyring_path: Path
) -> None:
    other = open_journal(evidence=evidence)
    journal.record([penalty("m1"), penalty("m2")])
    other.record([penalty("m3", 1)])
    journal.record([penalty("m4", 2), penalty("m1")])  # m1 again: written once, no new link
    journal.audit(AuditEntry(actor="ops", action="replay", reason="source resent", affected=1))
    reports = verify(journal, keyring_path)
    assert reports["messages"].ok and reports["messages"].links == 4
    assert reports["audit"].ok and reports["audit"].links == 1 and reports["audit"].unsigned == 0


def test_a_changed_row_is_named(journal: Journal, db: Engine, keyring_path: Path) -> None:
    journal.record([penalty(f"m{i}", i) for i in range(1, 6)])
    sql(db, "UPDATE journal_messages SET source = 'tax' WHERE message_id = 'm3'")
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and (broken.kind, broken.seq, broken.row) == ("changed", 3, "m3")


def test_a_deleted_row_is_named(journal: Journal, db: Engine, keyring_path: Path) -> None:
    journal.record([penalty(f"m{i}", i) for i in range(1, 6)])
    sql(db, "DELETE FROM journal_messages WHERE message_id = 'm2'")
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and (broken.kind, broken.seq) == ("missing", 2)


def test_a_deleted_tail_is_named_even_with_the_head_moved_back(
    journal: Journal, db: Engine, keyring_path: Path
) -> None:
    journal.record([penalty(f"m{i}", i) for i in range(1, 4)])  # signed at link 3
    journal.record([penalty("m4", 4)])
    sql(db, "DELETE FROM journal_messages WHERE chain_seq >= 3")
    (hash2,), = sql(db, "SELECT chain_hash FROM journal_messages WHERE chain_seq = 2")
    sql(db, "UPDATE journal_chain_heads SET seq = 2, hash = :h WHERE chain = 'messages'", h=hash2)
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and (broken.kind, broken.seq) == ("missing", 3)


def _relink(db: Engine) -> None:
    """Recompute every link from the rows as they now are: what a careful forger does."""
    with db.begin() as connection:
        rows = connection.execute(text(
            "SELECT * FROM journal_messages WHERE chain_seq IS NOT NULL ORDER BY chain_seq"
        )).mappings().all()
        previous = chain_module.GENESIS
        for row in rows:
            values = dict(row)
            values["received_at"] = values["received_at"]
            previous = chain_module.link(previous, chain_module.content(values, chain_module.MESSAGE_LINKED))
            connection.execute(text("UPDATE journal_messages SET chain_hash = :h WHERE message_id = :m"),
                               {"h": previous, "m": row["message_id"]})
        connection.execute(text("UPDATE journal_chain_heads SET hash = :h WHERE chain = 'messages'"),
                           {"h": previous})


def test_a_row_changed_with_every_link_recomputed_is_caught_by_the_signature(
    journal: Journal, db: Engine, keyring_path: Path
) -> None:
    journal.record([penalty(f"m{i}", i) for i in range(1, 4)])  # signed at link 3
    sql(db, "UPDATE journal_messages SET routing_key = 'tax.forged' WHERE message_id = 'm2'")
    _relink(db)
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and (broken.kind, broken.seq) == ("rewritten", 3)


def test_a_forged_checkpoint_is_named(journal: Journal, db: Engine, keyring_path: Path) -> None:
    journal.record([penalty(f"m{i}", i) for i in range(1, 4)])
    sql(db, "UPDATE journal_chain_checkpoints SET hash = :h WHERE chain = 'messages'", h="f" * 64)
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and broken.kind == "forged"


def test_a_row_slipped_in_outside_the_chain_is_named(journal: Journal, db: Engine, keyring_path: Path) -> None:
    journal.record([penalty("m1")])
    sql(db, "INSERT INTO journal_messages (message_id, received_at, source, record_type, "
            "routing_key, correlation_id, headers, body) SELECT 'fake', received_at, source, "
            "record_type, routing_key, correlation_id, headers, body FROM journal_messages")
    sql(db, "UPDATE journal_messages SET received_at = received_at + interval '1 minute' "
            "WHERE message_id = 'fake'" if db.dialect.name == "postgresql" else
            "UPDATE journal_messages SET received_at = datetime(received_at, '+1 minute') "
            "WHERE message_id = 'fake'")
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and (broken.kind, broken.row) == ("unchained", "fake")


def test_a_changed_audit_entry_is_named(journal: Journal, db: Engine, keyring_path: Path) -> None:
    journal.audit(AuditEntry(actor="ops", action="replay", reason="source resent", affected=3))
    journal.audit(AuditEntry(actor="ops", action="retry", reason="destination back", affected=1))
    sql(db, "UPDATE journal_audit SET actor = 'someone-else' WHERE action = 'replay'")
    broken = verify(journal, keyring_path)["audit"].broken
    assert broken is not None and (broken.kind, broken.seq) == ("changed", 1)


def test_retention_keeps_the_rest_verifiable_and_deletions_after_it_are_caught(
    journal: Journal, db: Engine, keyring_path: Path
) -> None:
    journal.record([penalty(f"m{i}", i) for i in range(1, 7)])
    assert journal.purge(T0 + timedelta(minutes=3, seconds=30)) == 3
    report = verify(journal, keyring_path)["messages"]
    assert report.ok and report.first_seq == 4 and report.links == 3
    assert sql(db, "SELECT count(*) FROM journal_persons")[0][0] == 3
    sql(db, "DELETE FROM journal_messages WHERE message_id = 'm4'")
    broken = verify(journal, keyring_path)["messages"].broken
    assert broken is not None and broken.kind == "missing"
