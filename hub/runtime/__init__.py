"""The runtime: broker sessions, the worker's broker links (kombu, pika), confirmed publishing,
the worker and the loops of ``hub run``."""

from hub.runtime.broker import BrokerSession, KeptSession, body_bytes
from hub.runtime.consumer_loop import ConsumerLoop
from hub.runtime.declarations import Topology, TopologyOptions
from hub.runtime.delay_pump import DelayPump
from hub.runtime.journal_retention import RetentionLoop
from hub.runtime.links import BrokerLink, Delivery, KombuLink, open_link
from hub.runtime.loops import HubRuntime, Loop
from hub.runtime.publisher import ConfirmedPublisher
from hub.runtime.worker import BacklogSense, Worker

__all__ = [
    "BacklogSense",
    "BrokerLink",
    "BrokerSession",
    "ConfirmedPublisher",
    "ConsumerLoop",
    "DelayPump",
    "Delivery",
    "HubRuntime",
    "KeptSession",
    "KombuLink",
    "Loop",
    "RetentionLoop",
    "Topology",
    "TopologyOptions",
    "Worker",
    "body_bytes",
    "open_link",
]
