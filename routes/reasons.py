"""The reason codes routing owns, for the one reason registry (:mod:`schemas.contract.reasons`).

Routing also reports ``field.missing`` and ``body.not_an_object``; those are the standard's
(``schemas.reasons``) and are not repeated here.
"""

from __future__ import annotations

from schemas.contract.reasons import Reason, table

ROUTE_NO_MATCH = "route.no_match"
ROUTE_UNKNOWN_DESTINATION = "route.unknown_destination"
ROUTE_BAD_FIELD = "route.bad_field"

ROUTES_REASONS: tuple[Reason, ...] = table({
    ROUTE_NO_MATCH: "No route rule sends the record anywhere (or only back to its own source).",
    ROUTE_UNKNOWN_DESTINATION: "A field a route reads names a destination that is not a known "
    "system; the record is not sent there.",
    ROUTE_BAD_FIELD: "A field a route reads has the wrong form (a list item that is not text, "
    "or something other than a system id or a list of them).",
})
