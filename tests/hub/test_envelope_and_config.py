"""Envelope idempotency keys and configuration precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config.settings import load_settings
from schemas.contract.envelope import content_hash
from schemas.contract.errors import ConfigError


def test_content_hash_ignores_key_order_and_separates_sources_and_types() -> None:
    a = content_hash("market", "administrative_licence", {"x": 1, "y": "二"})
    assert a == content_hash("market", "administrative_licence", {"y": "二", "x": 1})
    assert a != content_hash("tax", "administrative_licence", {"x": 1, "y": "二"})
    assert a != content_hash("market", "administrative_penalty", {"x": 1, "y": "二"})
    assert a.startswith("sha256:") and len(a) == len("sha256:") + 64


def test_environment_beats_the_config_file_and_the_file_beats_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hub.yaml"
    config.write_text("queue_type: quorum\nprefetch_count: 7\n", encoding="utf-8")
    monkeypatch.setenv("HUB_PREFETCH_COUNT", "9")
    settings = load_settings(config)
    assert settings.queue_type == "quorum"
    assert settings.prefetch_count == 9


def test_an_unknown_key_in_the_config_file_is_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "hub.yaml"
    config.write_text("prefetch: 7\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="prefetch"):
        load_settings(config)


def test_the_default_broker_is_embedded_sqlite_under_the_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_BROKER_URL", raising=False)
    settings = load_settings(data_dir=tmp_path)
    assert settings.resolved_broker_url() == f"sqla+sqlite:///{tmp_path.resolve()}/broker.sqlite"
    assert settings.is_embedded()
    assert not load_settings(broker_url="amqp://guest:guest@localhost//").is_embedded()


def test_the_broker_password_is_masked_when_settings_are_printed() -> None:
    settings = load_settings(broker_url="amqp://hub:s3cret@rabbit:5672/v")
    assert "s3cret" not in repr(settings)
    assert "s3cret" in settings.resolved_broker_url()


CLUSTER = "amqp://hub:s3cret@10.0.0.1:5672/hub;amqp://hub:s3cret@10.0.0.2:5672/hub; amqp://hub:s3cret@10.0.0.3:5672/hub"


def test_a_cluster_url_list_starts_each_process_at_its_own_node() -> None:
    first = load_settings(broker_url=CLUSTER).resolved_broker_url()
    assert first.split(";")[0] == "amqp://hub:s3cret@10.0.0.1:5672/hub"
    third = load_settings(broker_url=CLUSTER, broker_first_node=2).resolved_broker_url()
    assert [node.split("@")[1] for node in third.split(";")] == [
        "10.0.0.3:5672/hub", "10.0.0.1:5672/hub", "10.0.0.2:5672/hub"]
    wrapped = load_settings(broker_url=CLUSTER, broker_first_node=4).resolved_broker_url()
    assert wrapped.startswith("amqp://hub:s3cret@10.0.0.2:5672/hub;")
    assert not load_settings(broker_url=CLUSTER).is_embedded()


def test_a_url_list_names_rabbitmq_nodes_only() -> None:
    with pytest.raises(ConfigError, match="RabbitMQ nodes"):
        load_settings(broker_url="amqp://a:5672/;memory://")
    with pytest.raises(ConfigError, match="names no node"):
        load_settings(broker_url=" ; ")


def test_every_node_of_a_list_is_shown_with_its_password_masked() -> None:
    from hub.runtime.broker import BrokerSession, publisher_identity

    shown = BrokerSession(CLUSTER, topology=None).safe_url  # type: ignore[arg-type]
    assert "s3cret" not in shown and shown.count("hub:**@") == 3, shown
    assert publisher_identity(CLUSTER) == "hub"
