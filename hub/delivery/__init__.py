"""Delivery to destination systems: idempotent, retried, dead-lettered with reasons.

A :class:`hub.delivery.runner.DeliveryRunner` consumes one destination's queue
``hub.out.<system>`` and hands each envelope to that system's :class:`Destination`. Systems
that consume their queue themselves over AMQP need no runner. See :mod:`hub.delivery.runner`
for the contract.
"""

from hub.delivery.destinations import Destination
from hub.delivery.parking import ParkingLoop
from hub.delivery.runner import DeliveryEvent, DeliveryRunner, RunnerPolicy

__all__ = [
    "DeliveryEvent",
    "DeliveryRunner",
    "Destination",
    "ParkingLoop",
    "RunnerPolicy",
]
