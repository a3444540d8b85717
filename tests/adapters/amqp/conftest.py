"""Fixtures of the ``amqp`` mode tests: the real RabbitMQ with its management API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adapters.amqp.harness import MANAGEMENT, AmqpDirectHarness
from tests.conftest import require_service


@pytest.fixture
def department(rabbitmq_url: str) -> Iterator[AmqpDirectHarness]:
    """Department ``market`` on a fresh vhost with the hub's topology; its user is deleted after."""
    require_service("the RabbitMQ management API", *MANAGEMENT)
    harness = AmqpDirectHarness(rabbitmq_url)
    try:
        yield harness
    finally:
        harness.close()
