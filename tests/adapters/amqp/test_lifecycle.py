"""``amqp-direct``'s lifecycle against the real RabbitMQ: ``start`` is idempotent and repairs
drift, refuses to take over a user it did not create, reports wrong management credentials as a
configuration error and an unreachable management API as transient; ``health`` tells whether
the department is connected; ``revoke`` removes the department's access."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import pika
import pika.exceptions
import pytest
from pydantic import SecretStr, ValidationError

from adapters.amqp.access import MANAGED_TAG
from adapters.amqp.direct import AmqpDirectAdapter, AmqpDirectConfig
from adapters.amqp.management import ManagementApi
from adapters.sdk import ConfigError, Health, TransientError
from tests.adapters.amqp.harness import (
    LICENCE,
    MANAGEMENT,
    AmqpDirectHarness,
    recording_port,
)
from tests.conftest import require_service

BODY = json.dumps(LICENCE).encode()
rabbitmq = pytest.mark.rabbitmq


def _admin() -> ManagementApi:
    return ManagementApi(f"http://{MANAGEMENT[0]}:{MANAGEMENT[1]}", SecretStr("guest"),
                         SecretStr("guest"), credentials_from="test")


def _publishes_as(department: AmqpDirectHarness, key: str) -> bool:
    with department.channel() as channel:
        try:
            department.publish(channel, key, BODY)
        except pika.exceptions.ChannelClosedByBroker:
            return False
    return True


def _wait_health(adapter: AmqpDirectAdapter, until: Callable[[Health], bool]) -> Health:
    """Management statistics refresh every few seconds: wait up to 15s for ``until``."""
    deadline = time.monotonic() + 15
    while not until(health := adapter.health()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return health


@rabbitmq
def test_start_creates_access_once_then_changes_nothing(department: AmqpDirectHarness) -> None:
    first = department.adapter()
    first.start()
    assert first.changes == [f"user {department.username}", "topic permissions", "permissions"]
    user = _admin().get(first.access.user_path())
    assert user["tags"] == [MANAGED_TAG]
    again = department.adapter()  # a restarted hub: a new instance
    again.start()
    again.start()
    assert again.changes == []
    assert _admin().get(first.access.user_path())["password_hash"] == user["password_hash"]
    assert _publishes_as(department, "market.administrative_licence")


@rabbitmq
def test_start_restores_access_that_was_widened_removed_or_changed(
    department: AmqpDirectHarness,
) -> None:
    adapter = department.adapter()
    adapter.start()
    api, access = _admin(), adapter.access
    api.delete(access.topic_permissions_path())
    api.put(access.permissions_path(), {"configure": ".*", "write": ".*", "read": ".*"})
    # Without topic permissions RabbitMQ lets the user publish any key: why start sets them.
    assert _publishes_as(department, "tax.administrative_licence")
    adapter.start()
    assert adapter.changes == ["topic permissions", "permissions"]
    assert not _publishes_as(department, "tax.administrative_licence")
    assert _publishes_as(department, "market.administrative_licence")
    api.put(access.user_path(), {"password": "changed", "tags": f"{MANAGED_TAG},administrator"})
    adapter.start()
    assert adapter.changes == [f"user {department.username}"]
    assert api.get(access.user_path())["tags"] == [MANAGED_TAG]
    assert _publishes_as(department, "market.administrative_licence")


@rabbitmq
def test_an_existing_user_the_hub_did_not_create_is_left_alone(
    department: AmqpDirectHarness,
) -> None:
    api = _admin()
    path = f"/api/users/{department.username}"
    api.put(path, {"password": "theirs", "tags": ""})
    before = api.get(path)["password_hash"]
    try:
        with pytest.raises(ConfigError, match=f"'{department.username}'.*not managed by the hub"):
            department.adapter().start()
        with pytest.raises(ConfigError, match="not managed by the hub"):
            department.adapter().revoke()
        assert api.get(path)["password_hash"] == before
    finally:
        api.delete(path)


@rabbitmq
def test_wrong_management_credentials_are_a_configuration_error_naming_the_references(
    department: AmqpDirectHarness,
) -> None:
    password_ref = department.config()["management_password"]
    variable = password_ref.removeprefix("env:")
    os.environ[variable] = "not-the-password"
    try:
        with pytest.raises(ConfigError, match="credentials .*were refused") as refused:
            department.adapter().start()
    finally:
        os.environ[variable] = "guest"
    assert password_ref in str(refused.value) and "not-the-password" not in str(refused.value)


@rabbitmq
def test_an_unreachable_management_api_is_transient_and_start_succeeds_after(
    department: AmqpDirectHarness,
) -> None:
    adapter = department.adapter()
    with department.outage():
        with pytest.raises(TransientError, match="cannot be reached"):
            adapter.start()
        health = adapter.health()
    assert not health.ok and "cannot be reached" in health.detail
    adapter.start()
    assert _publishes_as(department, "market.administrative_licence")


@rabbitmq
def test_a_vhost_that_does_not_exist_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_service("the RabbitMQ management API", *MANAGEMENT)
    for name in ("MQ_ADMIN", "MQ_ADMIN_PASSWORD", "DEPT_PW"):
        monkeypatch.setenv(name, "guest")
    config = AmqpDirectConfig.model_validate(_config(
        management_url=f"http://{MANAGEMENT[0]}:{MANAGEMENT[1]}", vhost="no-such-vhost"))
    adapter = AmqpDirectAdapter(config, system="market", port=recording_port("market"))
    with pytest.raises(ConfigError, match="virtual host 'no-such-vhost' does not exist"):
        adapter.start()


@rabbitmq
def test_start_waits_while_the_hub_has_not_declared_its_exchange(
    department: AmqpDirectHarness,
) -> None:
    with department.channel(as_admin=True) as channel:
        channel.exchange_delete("hub.inbound")
    with pytest.raises(TransientError, match="hub.inbound is not declared"):
        department.adapter().start()


@rabbitmq
def test_health_says_whether_the_department_is_connected_and_when_it_last_published(
    department: AmqpDirectHarness,
) -> None:
    adapter = department.adapter()
    assert adapter.health() == Health(False, "not started")
    adapter.start()
    assert adapter.health() == Health(
        False, f"{department.username} on vhost {department.vhost}: not connected")
    with department.channel() as channel:
        department.publish(channel, "market.administrative_licence", BODY)
        health = _wait_health(adapter, lambda h: h.ok and "last at" in h.detail)
    assert health.ok, health
    assert "1 connection(s) from 127.0.0.1" in health.detail
    assert "1 message(s) published on its open channels, last at 20" in health.detail


@rabbitmq
def test_revoke_deletes_the_departments_user(department: AmqpDirectHarness) -> None:
    adapter = department.adapter()
    adapter.start()
    assert adapter.revoke() is True
    assert _admin().get(adapter.access.user_path()) is None
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        _publishes_as(department, "market.administrative_licence")
    assert adapter.revoke() is False


def _config(**changes: Any) -> dict[str, Any]:
    return {"kind": "amqp-direct", "management_user": "env:MQ_ADMIN",
            "management_password": "env:MQ_ADMIN_PASSWORD", "password": "env:DEPT_PW", **changes}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password": "s3cret"}, "by reference"),
        ({"management_password": "guest"}, "by reference"),
        ({"management_url": "http://guest:guest@127.0.0.1:15672"}, "base URL only"),
        ({"management_url": "http://127.0.0.1:15672/api"}, "base URL only"),
        ({"management_url": "amqp://127.0.0.1"}, "not an http"),
        ({"username": "dept market"}, "pattern"),
        ({"vhost": ""}, "at least 1"),
        ({"exchange": "hub.inbound"}, "Extra inputs"),
    ],
    ids=["inline-password", "inline-management-password", "credentials-in-url", "url-with-path",
         "not-http", "bad-username", "empty-vhost", "unknown-key"],
)
def test_a_bad_config_is_refused_before_anything_connects(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        AmqpDirectConfig.model_validate(_config(**changes))


def test_the_user_is_named_after_the_system_unless_configured() -> None:
    config = AmqpDirectConfig.model_validate(_config())
    adapter = AmqpDirectAdapter(config, system="state-assets", port=recording_port("state-assets"))
    assert adapter.access.username == "dept-state-assets"
    assert adapter.access.topic_permissions() == {
        "exchange": "hub.inbound", "write": r"^state-assets\.[^.]+$", "read": "^$"}
    assert adapter.access.permissions() == {
        "configure": r"^hub\.reply\.state\-assets\.[A-Za-z0-9_-]{1,64}$",
        "write": r"^(?:hub\.inbound|hub\.information)$",
        "read": r"^(?:hub\.out\.state\-assets|hub\.reply\.state\-assets\.[A-Za-z0-9_-]{1,64})$"}


def test_a_missing_credential_is_a_configuration_error_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MQ_ADMIN", raising=False)
    adapter = AmqpDirectAdapter(AmqpDirectConfig.model_validate(_config()), system="market",
                                port=recording_port("market"))
    with pytest.raises(ConfigError, match="MQ_ADMIN is not set"):
        adapter.start()
