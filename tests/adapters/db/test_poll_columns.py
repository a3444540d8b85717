"""db-poll on a department's own table layout: a record built from columns, identifiers that
need quoting (upper case, reserved words), integer status codes, and the table checked at
start. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from adapters.db.poll import DbPollAdapter, DbPollConfig
from adapters.sdk import ConfigError
from adapters.testing import RecordingPort
from tests.adapters.db.harness import (
    FAST,
    as_port,
    department_connection,
    is_sqlite,
    run_sql,
)

MakePoller = Callable[..., DbPollAdapter]
TABLE = "XK_Licences"  # mixed case: only found if quoted exactly


def create_table(url: str) -> None:
    binary = "BLOB" if is_sqlite(url) else "BYTEA"
    run_sql(url, f"""
        CREATE TABLE "{TABLE}" (
            "ID" INTEGER PRIMARY KEY,
            "XDR_MC" VARCHAR(200),
            "XDR_SHXYM" VARCHAR(18),
            "JDRQ" DATE,
            "FKJE" NUMERIC(12, 6),
            "select" VARCHAR(200),
            "PHOTO" {binary},
            "ZT" INTEGER NOT NULL DEFAULT 0,
            "REASON" VARCHAR(255)
        )""")


def insert(url: str, key: int, **values: Any) -> None:
    columns = ["ID", *values]
    rendered = [str(key), *[_literal(url, v) for v in values.values()]]
    names = ", ".join(f'"{c}"' for c in columns)
    run_sql(url, f'INSERT INTO "{TABLE}" ({names}) VALUES ({", ".join(rendered)})')


def _literal(url: str, value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"X'{value.hex()}'" if is_sqlite(url) else f"'\\x{value.hex()}'::bytea"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)


MAPPING = {
    "party.name": "XDR_MC",
    "party.credit_code": "XDR_SHXYM",
    "decision_date": "JDRQ",
    "fine_amount": "FKJE",
    "content": "select",
}


def poller(url: str, port: RecordingPort, **options: Any) -> DbPollAdapter:
    config = DbPollConfig.model_validate({
        "kind": "db-poll", "url": url, "table": TABLE, "key_column": "ID", "columns": MAPPING,
        "record_type": "administrative_penalty", "status_column": "ZT", "status_new": 0,
        "status_taken": 1, "status_error": 9, "reason_column": "REASON", **FAST, **options,
    })
    return DbPollAdapter(config, system="market", port=as_port(port))


def rows(url: str) -> list[tuple[Any, ...]]:
    with department_connection(url) as connection:
        return list(connection.execute(f'SELECT "ID", "ZT", "REASON" FROM "{TABLE}" ORDER BY 1'))


def test_a_record_is_built_from_mapped_columns_into_nested_fields(db_url: str) -> None:
    create_table(db_url)
    insert(db_url, 7, XDR_MC="上海闵行示例餐饮有限公司", XDR_SHXYM="91310112087994932F",
           JDRQ="2026-11-02", FKJE="0.2", select="热食类食品制售")
    insert(db_url, 8, XDR_MC="另一家公司")  # NULL columns are left out of the record
    port = RecordingPort()
    adapter = poller(db_url, port)
    adapter.start()  # checks the quoted, case-sensitive names exist
    port.wait_for(submitted=2)
    adapter.stop()
    first, second = (json.loads(r.body) for r in port.submitted)
    assert Decimal(str(first.pop("fine_amount"))) == Decimal("0.2")
    assert first == {
        "party": {"name": "上海闵行示例餐饮有限公司", "credit_code": "91310112087994932F"},
        "decision_date": "2026-11-02",
        "content": "热食类食品制售",
    }
    assert second == {"party": {"name": "另一家公司"}}
    assert [r.source_message_id for r in port.submitted] == ["7", "8"]
    assert [r.record_type for r in port.submitted] == ["administrative_penalty"] * 2
    assert rows(db_url) == [(7, 1, None), (8, 1, None)]


def test_a_binary_value_cannot_be_a_record_value_and_the_row_is_marked(db_url: str) -> None:
    create_table(db_url)
    insert(db_url, 1, XDR_MC="甲", PHOTO=b"\x89PNG")
    insert(db_url, 2, XDR_MC="乙")
    port = RecordingPort()
    poller(db_url, port, columns={**MAPPING, "photo": "PHOTO"}).poll_once()
    assert [r.source_message_id for r in port.submitted] == ["2"]
    (rejection,) = port.rejected
    assert rejection.problem.code == "adapter.row_invalid"
    assert rejection.problem.path == "row 1/PHOTO"
    assert json.loads(rejection.body)["PHOTO"] == {"base64": "iVBORw=="}
    assert rows(db_url)[0][:2] == (1, 9) and "PHOTO" not in rows(db_url)[0][2]
    assert rows(db_url)[0][2].startswith("adapter.row_invalid: a value of type bytes")


def test_start_names_the_columns_the_table_lacks(db_url: str) -> None:
    create_table(db_url)
    adapter = poller(db_url, RecordingPort(), columns={"party.name": "xdr_mc"})
    with pytest.raises(ConfigError, match=r"no column\(s\) 'xdr_mc'.*case-sensitive"):
        adapter.start()
    adapter.stop()


def test_start_refuses_a_table_that_does_not_exist(db_url: str) -> None:
    run_sql(db_url, "CREATE TABLE other (x INTEGER)")
    adapter = poller(db_url, RecordingPort())
    with pytest.raises(ConfigError, match=f"no table '{TABLE}'"):
        adapter.start()
    adapter.stop()


@pytest.mark.postgres
def test_a_postgresql_table_keyed_by_uuid_with_a_jsonb_body(
    pg_url: str, make_poller: MakePoller
) -> None:
    run_sql(pg_url, "CREATE TABLE outbox (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), "
                    "created SERIAL, doc JSONB NOT NULL, state SMALLINT NOT NULL DEFAULT 0)",
            """INSERT INTO outbox (doc) VALUES ('{"licence_number": "JY1", "n": 1}'), ('[1]')""")
    port = RecordingPort()
    poller = make_poller(pg_url, port, table="outbox", body_column="doc",
                         record_type_column=None, record_type="administrative_licence",
                         status_column="state", status_new=0, status_taken=1, status_error=9,
                         reason_column=None, taken_at_column=None)
    assert poller.poll_once() == 2
    (record,) = port.submitted
    assert json.loads(record.body) == {"licence_number": "JY1", "n": 1}
    assert len(record.source_message_id or "") == 36  # the row's UUID
    assert "JSON list" in port.rejected[0].problem.message
    with department_connection(pg_url) as connection:
        states = {row[0] for row in connection.execute("SELECT state FROM outbox")}
    assert states == {1, 9}
