"""Dry runs: what the pipeline would do with a record, without a broker.

Runs the real :class:`hub.pipeline.processor.Processor` on the record as if it had arrived, and reports
the outcome instead of publishing it. ``hub routes test`` prints this.
"""

from __future__ import annotations

from typing import Any

from hub.app.sender import Record
from hub.assembly import Hub
from schemas.contract.messages import InboundMessage
from schemas.contract.topology import inbound_routing_key


def trial_route(hub: Hub, record: Record, source: str, record_type: str | None) -> dict[str, Any]:
    """The outcome of ``record`` from ``source`` as JSON-ready data."""
    message = InboundMessage(
        body=record.body,
        routing_key=inbound_routing_key(source, record_type or ""),
        content_type=record.content_type,
    )
    outcome = hub.processor().process(message)
    return {
        "input": record.origin,
        "source": source,
        "record_type": record_type,
        "status": outcome.status,
        "credit_code": outcome.credit_code,
        "destinations": list(outcome.destinations),
        "matches": [
            {"destination": m.destination, "rule": m.rule, "why": m.why} for m in outcome.matches
        ],
        "problems": [p.as_dict() for p in outcome.problems],
    }
