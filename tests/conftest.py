"""Shared fixtures: real-service access that skips on a laptop but fails under ``CI=true``.

Every pipeline test runs twice, on the embedded broker (kombu's SQLite transport, the README's
default) and on the real RabbitMQ in a fresh virtual host of its own.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

RABBITMQ_HOST, RABBITMQ_PORT, MANAGEMENT_PORT = "127.0.0.1", 5672, 15672
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


@functools.cache
def _management() -> requests.Session | None:
    """The management API when it listens (CI enables it): 25x faster than rabbitmqctl, which
    starts an Erlang node per call; None means use rabbitmqctl."""
    if not _reachable(RABBITMQ_HOST, MANAGEMENT_PORT):
        return None
    session = requests.Session()
    session.auth = ("guest", "guest")
    return session


def _admin(method: str, path: str, body: dict[str, Any] | None, *ctl_args: str) -> None:
    """One broker administration step, by the management API or else by rabbitmqctl."""
    session = _management()
    if session is None:
        _rabbitmqctl(*ctl_args)
        return
    url = f"http://{RABBITMQ_HOST}:{MANAGEMENT_PORT}/api/{path}"
    deadline = time.monotonic() + 60
    while True:
        try:
            session.request(method, url, json=body, timeout=60).raise_for_status()
            return
        except requests.ConnectionError:
            # The listener comes back a little after the broker app (the fault tests restart it).
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def set_policy(url: str, name: str, pattern: str, definition: str) -> None:
    """Apply a RabbitMQ policy in the test virtual host of ``url``."""
    vhost = url.rsplit("/", 1)[1]
    body = {"pattern": pattern, "definition": json.loads(definition), "apply-to": "queues"}
    _admin("PUT", f"policies/{vhost}/{name}", body,
           "set_policy", "-p", vhost, name, pattern, definition, "--apply-to", "queues")


def clear_policy(url: str, name: str) -> None:
    vhost = url.rsplit("/", 1)[1]
    _admin("DELETE", f"policies/{vhost}/{name}", None, "clear_policy", "-p", vhost, name)


@contextmanager
def _fresh_vhost() -> Iterator[str]:
    require_service("RabbitMQ", RABBITMQ_HOST, RABBITMQ_PORT)
    if _management() is None and shutil.which("rabbitmqctl") is None:
        pytest.fail("the management API or rabbitmqctl is needed to create a test virtual host")
    vhost = f"hub-test-{uuid.uuid4().hex[:12]}"
    _admin("PUT", f"vhosts/{vhost}", None, "add_vhost", vhost)
    everything = {"configure": ".*", "write": ".*", "read": ".*"}
    _admin("PUT", f"permissions/{vhost}/guest", everything,
           "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    try:
        yield f"amqp://guest:guest@{RABBITMQ_HOST}:{RABBITMQ_PORT}/{vhost}"
    finally:
        _admin("DELETE", f"vhosts/{vhost}", None, "delete_vhost", vhost)


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
