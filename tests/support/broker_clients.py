"""The pipeline tests on both of the worker's broker links (``hub.runtime.links``).

Imported by the conftest of ``tests/hub/pipeline`` and ``tests/hub/runtime``, these fixtures
replace the shared ones there: every test that runs on the real RabbitMQ runs once with the
worker on pika (the default) and once on kombu (``HUB_BROKER_CLIENT=kombu``); on the embedded
broker the worker speaks kombu anyway. Subprocesses inherit the choice (``_env`` passes it on).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import _broker_url, _fresh_vhost

CLIENT_VARIABLE = "HUB_BROKER_CLIENT"
_RABBITMQ = pytest.mark.rabbitmq
BROKERS = [
    "embedded",
    pytest.param("rabbitmq", marks=_RABBITMQ, id="rabbitmq-pika"),
    pytest.param("rabbitmq-kombu", marks=_RABBITMQ, id="rabbitmq-kombu"),
]


def _client(kind: str) -> str:
    return "kombu" if kind.endswith("-kombu") else "auto"


@pytest.fixture(params=BROKERS)
def broker_url(request: pytest.FixtureRequest, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(CLIENT_VARIABLE, _client(request.param))
    with ExitStack() as stack:
        yield _broker_url(request.param.removesuffix("-kombu"), tmp_path, stack)


@pytest.fixture(scope="module", params=BROKERS)
def module_broker_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with ExitStack() as stack, pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(CLIENT_VARIABLE, _client(request.param))
        yield _broker_url(request.param.removesuffix("-kombu"),
                          tmp_path_factory.mktemp("broker"), stack)


@pytest.fixture(params=["pika", "kombu"], ids=["rabbitmq-pika", "rabbitmq-kombu"])
def rabbitmq_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv(CLIENT_VARIABLE, "auto" if request.param == "pika" else "kombu")
    with _fresh_vhost() as url:
        yield url
