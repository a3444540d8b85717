"""Every test here that runs on RabbitMQ runs with the worker on pika and on kombu."""

from tests.support.broker_clients import broker_url, module_broker_url, rabbitmq_url

__all__ = ["broker_url", "module_broker_url", "rabbitmq_url"]
