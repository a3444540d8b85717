"""Landing records in the supervision database: filed by business key, corrections replace,
idempotent by content hash, personal data sealed at rest; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from hub.information import FILED_TYPES, Landing, NotFiled, SupervisionStore
from hub.information.migrate import VERSION_TABLE
from hub.information.tables import RECORDS, EnforcerRow, PersonRow, RecordRow, metadata
from tests.information.conftest import Envelopes, sample


def count(store: SupervisionStore, table: type) -> int:
    with store.reading() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_migrations_build_exactly_the_models(store: SupervisionStore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE, "compare_type": True})
        assert list(compare_metadata(context, metadata)) == []


def test_every_filed_type_lands_once_and_again_unchanged(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    sent = [envelopes(record_type, sample(record_type)) for record_type in FILED_TYPES]
    assert [store.land(envelope) for envelope in sent] == [Landing.LANDED] * len(FILED_TYPES)
    assert [store.land(envelope) for envelope in sent] == [Landing.UNCHANGED] * len(FILED_TYPES)
    assert count(store, RecordRow) == len(FILED_TYPES)
    # The measure sample names two enforcing departments.
    assert count(store, EnforcerRow) == 2


def test_a_correction_replaces_the_record_it_corrects(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    penalty = sample("administrative_penalty")
    assert store.land(envelopes("administrative_penalty", penalty)) is Landing.LANDED
    penalty["fine_amount"] = "0.3"
    penalty["penalty_content"] = "罚款人民币3000元，没收违法所得人民币350元"
    corrected = envelopes("administrative_penalty", penalty)
    assert store.land(corrected) is Landing.CORRECTED
    with store.reading() as connection:
        rows = connection.execute(select(RECORDS)).all()
    assert len(rows) == 1
    assert (rows[0].versions, rows[0].message_id) == (2, corrected.message_id)
    assert store.opened(rows[0]).payload["fine_amount"] == "0.3"
    # The person is indexed once, by the corrected version.
    assert count(store, PersonRow) == 1


def test_a_version_older_than_the_one_held_changes_nothing(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    licence = sample("administrative_licence")
    first = envelopes("administrative_licence", licence)
    licence["status"] = "2"
    withdrawn = envelopes("administrative_licence", licence)
    assert store.land(withdrawn) is Landing.LANDED
    assert store.land(first) is Landing.STALE
    with store.reading() as connection:
        status = connection.execute(select(RecordRow.status)).scalar_one()
    assert status == "2"


def test_personal_data_is_sealed_at_rest_and_opens_on_read(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    penalty = sample("administrative_penalty")  # a natural person, 李四, 310112199001011234
    store.land(envelopes("administrative_penalty", penalty))
    with store.engine.connect() as connection:
        raw = str(connection.execute(text("SELECT envelope FROM supervision_records")).scalar())
        digests = connection.execute(text("SELECT digest FROM supervision_persons")).all()
    assert "310112199001011234" not in raw and "李四" not in raw
    assert "$sealed" in raw
    assert len(digests) == 1 and "310112199001011234" not in digests[0][0]
    with store.reading() as connection:
        row = connection.execute(select(RECORDS)).one()
    assert row.entity_name is None  # a person's name is not an indexed column
    party = store.opened(row).payload["party"]
    assert (party["name"], party["id_number"]) == ("李四", "310112199001011234")


def test_feedback_and_unknown_types_are_not_filed(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    with pytest.raises(NotFiled, match="feedback"):
        store.land(envelopes("feedback", sample("feedback")))
    assert count(store, RecordRow) == 0


def test_two_processes_landing_the_same_records_at_once_file_each_once(
    open_store: Callable[[], SupervisionStore], envelopes: Envelopes
) -> None:
    stores = [open_store(), open_store()]
    batch = []
    for number in range(30):
        penalty = sample("administrative_penalty")
        penalty["decision_number"] = f"闵市监案处字〔2024〕第{number}号"
        batch.append(envelopes("administrative_penalty", penalty))
    outcomes: list[list[Landing]] = [[], []]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def land(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = [stores[index].land(envelope) for envelope in batch]
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=land, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for first, second in zip(*outcomes, strict=True):
        assert sorted([first, second]) == sorted([Landing.LANDED, Landing.UNCHANGED])
    assert count(stores[0], RecordRow) == 30
    assert count(stores[0], PersonRow) == 30


def test_received_at_orders_versions_not_arrival(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    alert = sample("supervision_alert")
    later = envelopes("supervision_alert", alert)
    alert["level"] = "red"
    earlier = envelopes("supervision_alert", alert, received_at=later.received_at - timedelta(1))
    store.land(later)
    assert store.land(earlier) is Landing.STALE


def test_a_batch_lands_in_order_in_one_go_and_keeps_what_it_cannot_file_apart(
    store: SupervisionStore, envelopes: Envelopes
) -> None:
    licence = sample("administrative_licence")
    first = envelopes("administrative_licence", licence)
    withdrawn = envelopes("administrative_licence", {**licence, "status": "2"})
    penalty = envelopes("administrative_penalty", sample("administrative_penalty"))
    feedback = envelopes("feedback", sample("feedback"))
    outcomes = store.land_batch([first, penalty, feedback, withdrawn, penalty])
    assert outcomes[:2] == [Landing.LANDED, Landing.LANDED]
    assert isinstance(outcomes[2], NotFiled) and "feedback" in str(outcomes[2])
    # The withdrawal corrects the licence filed earlier in the same batch; the penalty's
    # second copy is the version just filed.
    assert outcomes[3:] == [Landing.CORRECTED, Landing.UNCHANGED]
    with store.reading() as connection:
        rows = {row.record_type: row for row in connection.execute(select(RECORDS))}
    assert set(rows) == {"administrative_licence", "administrative_penalty"}
    assert (rows["administrative_licence"].versions,
            rows["administrative_licence"].message_id) == (2, withdrawn.message_id)
    assert store.land_batch([first]) == [Landing.STALE]
    assert store.land_batch([]) == []
