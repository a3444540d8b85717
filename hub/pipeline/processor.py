"""The pipeline for one input, as its stages in order: receive -> standardise -> authorise ->
route -> build.

:meth:`Processor.process` turns one :class:`InboundMessage` into the messages to publish and a
summary of what happened (:class:`Outcome`); the worker (:mod:`hub.runtime.worker`) then
publishes ``Outcome.outputs`` and acks the input once the broker has confirmed them all. Each
stage is a module of its own taking one form and handing on the next (:mod:`hub.pipeline.forms`).

It never raises for bad data and never drops anything: every input yields either envelopes for
its destinations, or a quarantine copy (original body and reasons) plus feedback to its source,
or a review copy plus feedback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from hub.config.system_catalogue import SystemCatalogue
from hub.pipeline.authorise import authorise
from hub.pipeline.build import build
from hub.pipeline.forms import (
    Form,
    Outcome,
    Received,
    Refusal,
    Stamp,
    Standardised,
    UnderReview,
)
from hub.pipeline.receive import check_addressing, receive
from hub.pipeline.route import route
from hub.pipeline.standardise import standardise
from routes import RouteTable
from schemas.contract.envelope import node_name, utc_now
from schemas.contract.messages import InboundMessage
from schemas.contract.problems import INTERNAL_ERROR, Problem
from transforms import MappingCatalogue

__all__ = ["Outcome", "Processor"]

log = logging.getLogger(__name__)


class Processor:
    """Standardises and routes inputs; one instance serves a worker for its lifetime."""

    def __init__(
        self,
        *,
        systems: SystemCatalogue,
        routes: RouteTable,
        mappings: MappingCatalogue,
        max_message_bytes: int,
        receipts: bool = False,
        nonconforming_codes: Collection[str] | None = None,
        clock: Callable[[], datetime] = utc_now,
        trusted_publisher: str | None = None,
    ) -> None:
        """``nonconforming_codes``: credit codes legally issued though they fail the check
        character (records carrying them go to review); None means the shipped allow-list.
        ``trusted_publisher``: the hub's own broker user, whose inputs keep the hub message id
        its inbound port gave them (see :func:`hub.pipeline.receive.hub_message_id`)."""
        self.systems = systems
        self.routes = routes
        self.mappings = mappings
        self.max_message_bytes = max_message_bytes
        self.receipts = receipts
        self.nonconforming_codes = nonconforming_codes
        self.trusted_publisher = trusted_publisher
        self._stamp = Stamp(clock, node_name())

    def process(self, message: InboundMessage) -> Outcome:
        """Work out every output for ``message``. Never raises: a bug quarantines the input.

        ``form`` is always the latest form the input reached: a stage that refuses, or sends
        to review, ends the way early, and a bug in any stage refuses the input from there.
        """
        received = receive(message, self._stamp, self.trusted_publisher)
        form: Form = received
        try:
            form = check_addressing(received, self.systems.sources, self.max_message_bytes)
            if isinstance(form, Received):
                form = standardise(form, self._stamp, self.mappings, self.nonconforming_codes)
            if isinstance(form, Standardised | UnderReview):
                form = authorise(form, self.systems)
            if isinstance(form, Standardised):
                form = route(form, self._stamp, self.routes)
            return build(form, self._stamp, receipts=self.receipts, systems=self.systems,
                         disclosure_of=self.systems.disclosure)
        except Exception as e:  # the one place where a bug must not lose a message
            identity = form.input
            log.exception("internal error on message %s from %s", identity.message_id,
                          identity.source)
            problem = Problem(INTERNAL_ERROR, "", f"{type(e).__name__}: {e}")
            refusal = Refusal(identity, form.hops, (problem,))
            return build(refusal, self._stamp, receipts=self.receipts, systems=self.systems,
                         disclosure_of=self.systems.disclosure)
