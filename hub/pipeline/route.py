"""Stage 3, route: Standardised -> Routed, or a Refusal when no route takes the record.

The route table decides from the record type, the source and the record's content; the
``routed`` hop names the destinations and the rules that chose them.
"""

from __future__ import annotations

from hub.pipeline.forms import Refusal, Routed, Stamp, Standardised
from routes import RouteTable
from schemas.contract.states import EventKind


def route(standardised: Standardised, stamp: Stamp, routes: RouteTable) -> Routed | Refusal:
    """Where ``standardised`` goes. A refusal carries the routing problems only (validation
    notes and repairs are not reported again) and the record's credit code."""
    identity = standardised.input
    decision = routes.route(identity.record_type, identity.source, standardised.record)
    if decision.problems or not decision.destinations:
        problems = tuple(decision.problems)
        return Refusal(identity, standardised.hops, problems,
                       credit_code=standardised.credit_code)
    rules = tuple(dict.fromkeys(m.rule for m in decision.matches))
    hop = stamp.hop(EventKind.ROUTED, f"{', '.join(decision.destinations)} by {', '.join(rules)}")
    return Routed(
        input=identity,
        hops=(*standardised.hops, hop),
        record=standardised.record,
        credit_code=standardised.credit_code,
        problems=standardised.problems,
        repairs=standardised.repairs,
        destinations=tuple(decision.destinations),
        matches=tuple(decision.matches),
    )
