"""The hub's doors over AMQP (the information service's request-reply door)."""
