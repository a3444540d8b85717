"""Observers: how the journal and the metrics hear what the hub's loops do.

The loops (worker, delivery runners, review verifier, adapter ports) each take plain callbacks;
:meth:`hub.assembly.Hub.runtime` wires them to one :class:`Fanout` of observers. An observer
overrides the callbacks it cares about; the others do nothing. Callbacks run on the loop's own
thread, after the step they report: they must be quick and must not raise (an observer that
fails would stop the loop that called it).
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.delivery.runner import DeliveryEvent
from hub.pipeline.forms import Outcome
from hub.review import ReviewOutcome
from hub.runtime.worker import AckBarrier


def _open() -> None:
    """The barrier of an observer that keeps nothing durable."""


class ExchangeObserver:
    """Callbacks for every step the hub reports; each does nothing unless overridden."""

    def on_outcome(self, outcome: Outcome) -> None:
        """The worker processed one input and published its outputs (not yet confirmed)."""

    def ack_barrier(self) -> AckBarrier:
        """The worker's outputs for the inputs it reported so far are confirmed. Returns the
        barrier the worker passes before acking those inputs, maybe after it has gone on
        with more: it returns once what must outlive a crash of them is durable (the
        journal's records committed), or raises a transient error to have them redelivered."""
        return _open

    def on_released(self, inputs: int) -> None:
        """The worker no longer holds ``inputs`` of the inputs it reported: acked, their
        outputs confirmed, or left to the broker to redeliver (connection lost)."""

    def on_backlog(self, busy: bool) -> None:
        """The worker has inputs waiting for it (True: it works flat out) or caught up."""

    def on_delivery(self, event: DeliveryEvent) -> None:
        """A delivery runner delivered, suppressed, retried or dead-lettered one copy."""

    def on_review(self, outcome: ReviewOutcome) -> None:
        """The review verifier settled (or parked) one record under review."""

    def on_adapter_records(self, system: str, adapter: str, outcome: str, count: int) -> None:
        """An inbound adapter handed ``count`` records in (``submitted``) or refused one."""


class Fanout(ExchangeObserver):
    """Passes every callback to each observer, in order."""

    def __init__(self, observers: Sequence[ExchangeObserver]) -> None:
        self.observers = tuple(observers)

    def on_outcome(self, outcome: Outcome) -> None:
        for observer in self.observers:
            observer.on_outcome(outcome)

    def ack_barrier(self) -> AckBarrier:
        barriers = [observer.ack_barrier() for observer in self.observers]

        def every_barrier() -> None:
            for barrier in barriers:
                barrier()

        return every_barrier

    def on_released(self, inputs: int) -> None:
        for observer in self.observers:
            observer.on_released(inputs)

    def on_backlog(self, busy: bool) -> None:
        for observer in self.observers:
            observer.on_backlog(busy)

    def on_delivery(self, event: DeliveryEvent) -> None:
        for observer in self.observers:
            observer.on_delivery(event)

    def on_review(self, outcome: ReviewOutcome) -> None:
        for observer in self.observers:
            observer.on_review(outcome)

    def on_adapter_records(self, system: str, adapter: str, outcome: str, count: int) -> None:
        for observer in self.observers:
            observer.on_adapter_records(system, adapter, outcome, count)
