"""The ``amqp`` exchange mode: a department publishes to ``hub.inbound`` and reads its
``hub.out.<system>`` queue itself, under a broker user of its own that the hub keeps
(``amqp-direct``)."""

# Import the modules directly (the registry does).
__all__ = [
    "access",
    "direct",
    "management",
]
