"""The one reason registry: every reason code the hub can emit, merged from its owners' tables.

Each package declares the codes it owns (see :mod:`schemas.contract.reasons`); this module, the
lowest layer that sees all of them, merges them explicitly, in a fixed order. Metrics label
rejections and dead letters by these codes, ``docs/reasons.md`` is generated from them
(``python -m hub.pipeline.reason_docs``), and a test checks that the source emits no code
missing here.
"""

from __future__ import annotations

from adapters.sdk.adapter_errors import ADAPTER_REASONS
from routes.reasons import ROUTES_REASONS
from schemas.contract.problems import HUB_REASONS
from schemas.contract.reasons import ReasonRegistry
from schemas.reasons import SCHEMAS_REASONS
from transforms.transform_errors import TRANSFORMS_REASONS


def build_registry() -> ReasonRegistry:
    """A fresh registry of every package's reasons; ValueError if two tables disagree."""
    return (
        ReasonRegistry()
        .merge("schemas", SCHEMAS_REASONS)
        .merge("transforms", TRANSFORMS_REASONS)
        .merge("routes", ROUTES_REASONS)
        .merge("adapters.sdk", ADAPTER_REASONS)
        .merge("hub", HUB_REASONS)
    )


#: The registry the hub reads (built once; treat it as read-only).
REASONS: ReasonRegistry = build_registry()
