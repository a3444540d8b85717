"""Fixtures of the ``amqp`` mode tests: the real RabbitMQ with its management API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.adapters.amqp.harness import AmqpDirectHarness, department_on


@pytest.fixture
def department(rabbitmq_url: str) -> Iterator[AmqpDirectHarness]:
    """Department ``market`` on a fresh vhost with the hub's topology; its user is deleted after."""
    with department_on(rabbitmq_url) as harness:
        yield harness
