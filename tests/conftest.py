"""Shared fixtures: real-service access that skips on a laptop but fails under ``CI=true``.

Every pipeline test runs twice, on the embedded broker (kombu's SQLite transport, the README's
default) and on the real RabbitMQ in a fresh virtual host of its own.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

RABBITMQ_HOST, RABBITMQ_PORT = "127.0.0.1", 5672
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip when a real service is missing, except under CI=true where that is a failure."""
    if _reachable(host, port):
        return
    message = f"{name} is not reachable on {host}:{port}"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true forbids skipping real-service tests")
    pytest.skip(message)


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def set_policy(url: str, name: str, pattern: str, definition: str) -> None:
    """Apply a RabbitMQ policy in the test virtual host of ``url``."""
    vhost = url.rsplit("/", 1)[1]
    _rabbitmqctl("set_policy", "-p", vhost, name, pattern, definition, "--apply-to", "queues")


def clear_policy(url: str, name: str) -> None:
    _rabbitmqctl("clear_policy", "-p", url.rsplit("/", 1)[1], name)


@contextmanager
def _fresh_vhost() -> Iterator[str]:
    require_service("RabbitMQ", RABBITMQ_HOST, RABBITMQ_PORT)
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl is needed to create a test virtual host")
    vhost = f"hub-test-{uuid.uuid4().hex[:12]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}/{vhost}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def rabbitmq_url() -> Iterator[str]:
    """A RabbitMQ URL on a new, empty virtual host, deleted afterwards."""
    with _fresh_vhost() as url:
        yield url


BROKERS = ["embedded", pytest.param("rabbitmq", marks=pytest.mark.rabbitmq)]


def _broker_url(kind: str, directory: Path, stack: ExitStack) -> str:
    if kind == "embedded":
        return f"sqla+sqlite:///{directory / 'broker.sqlite'}"
    return stack.enter_context(_fresh_vhost())


@pytest.fixture(params=BROKERS)
def broker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each pipeline test runs on the embedded SQLite broker and on the real RabbitMQ."""
    with ExitStack() as stack:
        yield _broker_url(request.param, tmp_path, stack)


@pytest.fixture(scope="module", params=BROKERS)
def module_broker_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """As ``broker_url``, shared by the tests of one module (one hub for many cases)."""
    with ExitStack() as stack:
        yield _broker_url(request.param, tmp_path_factory.mktemp("broker"), stack)
