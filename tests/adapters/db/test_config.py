"""The db adapters' configs: names that could carry SQL are refused, passwords only by
reference, one way to build records and one way to track rows, and references resolved when
the adapter opens the database."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from adapters.db.poll import DbPollAdapter, DbPollConfig
from adapters.db.write import DbWriteConfig
from adapters.registry import AdapterRegistry
from adapters.sdk import ConfigError
from adapters.testing import RecordingPort
from hub.hosting.adapter_host import validate_config
from tests.adapters.db.harness import as_port

BASE: dict[str, Any] = {
    "kind": "db-poll", "url": "sqlite:////tmp/front.sqlite", "body_column": "body",
    "record_type": "administrative_licence",
}


def poll_config(**changes: Any) -> DbPollConfig:
    return DbPollConfig.model_validate({**BASE, **changes})


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("table", "hub_outbox; DROP TABLE hub_outbox"),
        ("table", 'hub_outbox"--'),
        ("key_column", "id OR 1=1"),
        ("body_column", "body)"),
        ("status_column", "1status"),
        ("schema_name", "public.evil"),
        ("reason_column", "x" * 64),
    ],
)
def test_a_name_that_is_not_a_plain_identifier_is_refused(option: str, value: str) -> None:
    with pytest.raises(ValidationError, match="not a plain table or column name"):
        poll_config(**{option: value})


def test_mapped_columns_and_field_paths_are_checked_too() -> None:
    with pytest.raises(ValidationError, match="not a plain table or column name"):
        poll_config(body_column=None, columns={"party.name": "name; --"})
    with pytest.raises(ValidationError, match="not a field path"):
        poll_config(body_column=None, columns={"party..name": "name"})
    with pytest.raises(ValidationError, match="both a value and the parent"):
        poll_config(body_column=None, columns={"party": "a", "party.name": "b"})


def test_unicode_and_reserved_names_are_accepted_and_quoted_when_used() -> None:
    config = poll_config(table="许可信息", key_column="select", body_column="内容")
    assert config.selected_columns() == ["select", "内容", "status"]


def test_a_password_in_the_url_is_refused_but_a_reference_is_accepted() -> None:
    with pytest.raises(ValidationError, match="by reference"):
        poll_config(url="postgresql+psycopg://hub:s3cret@db.example/front")
    assert poll_config(url="env:MARKET_DB_URL").url == "env:MARKET_DB_URL"
    assert poll_config(url="file:/run/secrets/market-db-url").url.startswith("file:")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://hub@db/front", "supported are sqlite"),
        ("sqlite://", "is a file"),
        ("sqlite:///:memory:", "is a file"),
        ("not a url", "not a database URL"),
    ],
)
def test_only_sqlite_files_and_postgresql_are_supported(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        poll_config(url=url)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"columns": {"a": "b"}}, "exactly one of body_column and columns"),
        ({"body_column": None}, "exactly one of body_column and columns"),
        ({"record_type_column": "kind"}, "exactly one of record_type"),
        ({"record_type": "licence"}, "unknown record type 'licence'"),
        ({"record_type": "feedback"}, "unknown record type 'feedback'"),
        ({"tracking": "watermark"}, "needs watermark_column"),
        ({"watermark_column": "id"}, "only used with tracking: watermark"),
        ({"status_taken": "new"}, "must differ"),
        ({"batch_size": 0}, "greater than or equal to 1"),
        ({"kind": "db-poll", "where": "1=1"}, "Extra inputs are not permitted"),
    ],
)
def test_inconsistent_options_are_refused_with_the_reason(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        poll_config(**changes)


def test_the_registry_names_both_adapters() -> None:
    registry = AdapterRegistry()
    poll = validate_config(registry, BASE)
    write = validate_config(registry, {"kind": "db-write", "url": "env:MARKET_DB_URL"})
    assert isinstance(poll, DbPollConfig) and isinstance(write, DbWriteConfig)
    assert registry.load("db-poll") is DbPollAdapter


def test_a_reference_is_resolved_only_when_the_database_is_opened(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FRONT_DB_URL_FOR_TEST", raising=False)
    adapter = DbPollAdapter(poll_config(url="env:FRONT_DB_URL_FOR_TEST"), system="market",
                            port=as_port(RecordingPort()))  # constructing needs no variable
    with pytest.raises(ConfigError, match="FRONT_DB_URL_FOR_TEST is not set"):
        adapter.poll_once()
    monkeypatch.setenv("FRONT_DB_URL_FOR_TEST", "mysql://hub:pa55word@db/front")
    with pytest.raises(ConfigError, match="supported are sqlite") as refused:
        DbPollAdapter(adapter.config, system="market", port=as_port(RecordingPort())).poll_once()
    assert "pa55word" not in str(refused.value)  # the resolved URL is shown masked

