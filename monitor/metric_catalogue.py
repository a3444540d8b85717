"""The hub's metrics, as data: every name, type, label and meaning, fixed and documented here.

Operators' dashboards and alert rules are written against these names, so a name or a label is
never renamed or reused for another meaning. :mod:`monitor.metrics` builds the Prometheus
objects from this table; ``python -m monitor.docs`` writes ``docs/metrics.md`` from it; the
dashboard and rule tests check every query against it. This module does not import
prometheus-client, so anything may read it.

Label values are bounded: ``source`` and ``destination`` are system ids from the catalogue (or
a hub queue owner such as ``review``), ``record_type`` a record type of the standard, ``reason``
a code of the reason registry (``hub.pipeline.reasons``, ``docs/reasons.md``); anything else is counted as ``unknown`` or ``other``.

Conventions (Prometheus): counters end in ``_total``, durations are in seconds, times are Unix
seconds in gauges ending ``_timestamp_seconds``. Counters count processing: an input that a
crashed worker left unacked is processed, and counted, again when it is redelivered (as the
journal records it again, under a new hub message id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

MetricType = Literal["counter", "gauge", "histogram"]

#: How several processes' values of a gauge combine (prometheus-client multiprocess modes):
#: ``livesum``/``livemax`` over the processes alive now, ``max`` over all that ever wrote.
GaugeMode = Literal["livesum", "livemax", "max", "scrape"]

#: Latency buckets in seconds: from a millisecond (processing one record) to an hour (a
#: delivery that waited along the retry schedule).
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
    300.0, 900.0, 3600.0,
)  # fmt: skip

#: Outcomes of an input in the pipeline (``hub_messages_in_total``).
IN_OUTCOMES = ("routed", "review", "rejected")
#: Outcomes of a copy for one destination (``hub_messages_out_total``).
OUT_OUTCOMES = ("queued", "delivered", "duplicate", "dead_lettered")
#: Outcomes of a review the legal-entity library settled (``hub_reviews_total``).
REVIEW_OUTCOMES = ("verified", "rejected", "handed_over")
#: Statuses of the feedback the hub sends a source (``hub_feedback_total``).
FEEDBACK_STATUSES = ("accepted", "review", "rejected")
#: Directions of a connection to an external system.
DIRECTIONS = ("inbound", "outbound")
#: Outcomes of the records an inbound adapter hands in (``hub_adapter_records_total``).
ADAPTER_OUTCOMES = ("submitted", "refused")

#: The label value counted for a source, destination or record type the catalogue does not know.
UNKNOWN = "unknown"
#: The label value counted for a reason code the reason registry does not hold.
OTHER_REASON = "other"


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its full exposed name (counters with ``_total``), type, labels and meaning."""

    name: str
    type: MetricType
    help: str
    labels: tuple[str, ...] = ()
    #: Gauges only: how processes combine; ``scrape`` gauges are read at scrape time instead.
    mode: GaugeMode | None = None
    buckets: tuple[float, ...] = ()
    #: Labels whose values are a closed set, with that set (the others: ids, codes).
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def series_names(self) -> tuple[str, ...]:
        """The sample names a scrape shows for this metric."""
        if self.type == "histogram":
            return tuple(f"{self.name}{s}" for s in ("_bucket", "_sum", "_count"))
        if self.type == "counter":
            return (self.name, self.name.removesuffix("_total") + "_created")
        return (self.name,)


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec(
        "hub_messages_in_total", "counter",
        "Inputs the pipeline processed, by source, record type and outcome (routed: filed and "
        "routed; review: held for the legal-entity library; rejected: quarantined, reasons sent "
        "back to the source).",
        ("source", "record_type", "outcome"),
        values={"outcome": IN_OUTCOMES},
    ),
    MetricSpec(
        "hub_messages_out_total", "counter",
        "Copies for one destination, by source, destination, record type and outcome (queued: "
        "published to hub.out.<destination>; then, where the hub delivers through an outbound "
        "adapter, delivered, duplicate (already delivered, suppressed) or dead_lettered).",
        ("source", "destination", "record_type", "outcome"),
        values={"outcome": OUT_OUTCOMES},
    ),
    MetricSpec(
        "hub_rejections_total", "counter",
        "Inputs rejected or held for review, by source and reason: an input counts once under "
        "each distinct reason code found in it (a delivered input, under a note it carries, "
        "such as reply_to.refused).",
        ("source", "reason"),
    ),
    MetricSpec(
        "hub_feedback_total", "counter",
        "Feedback records the hub sent back to a source, by status.",
        ("source", "status"),
        values={"status": FEEDBACK_STATUSES},
    ),
    MetricSpec(
        "hub_retries_total", "counter",
        "Deliveries (or review lookups, destination review) parked for a retry along the "
        "destination's schedule.",
        ("destination",),
    ),
    MetricSpec(
        "hub_dead_letters_total", "counter",
        "Messages the hub put in a dead-letter queue, by queue and reason code.",
        ("queue", "reason"),
    ),
    MetricSpec(
        "hub_adapter_records_total", "counter",
        "Records an inbound adapter handed to the hub (submitted), or refused at the door with a "
        "reason (refused), by system and adapter kind.",
        ("system", "adapter", "outcome"),
        values={"outcome": ADAPTER_OUTCOMES},
    ),
    MetricSpec(
        "hub_reviews_total", "counter",
        "Inputs held for review that the legal-entity library settled, by outcome (verified: "
        "then routed; rejected: quarantined; handed_over: dead-lettered for people to decide).",
        ("source", "record_type", "outcome"),
        values={"outcome": REVIEW_OUTCOMES},
    ),
    MetricSpec(
        "hub_processing_seconds", "histogram",
        "Seconds from the hub receiving an input to its outputs being published (standardise, "
        "route, publish; before the broker's confirms), by record type.",
        ("record_type",),
        buckets=LATENCY_BUCKETS,
    ),
    MetricSpec(
        "hub_end_to_end_seconds", "histogram",
        "Seconds from the hub receiving a record to a destination's adapter accepting it, "
        "retries included, by destination.",
        ("destination",),
        buckets=LATENCY_BUCKETS,
    ),
    MetricSpec(
        "hub_messages_in_flight", "gauge",
        "Inputs a worker has taken from hub.inbound whose outputs the broker has not yet "
        "confirmed (acked when it has).",
        mode="livesum",
    ),
    MetricSpec(
        "hub_queue_messages", "gauge",
        "Messages ready in each hub queue (inbound, outbound, retry, delay, quarantine, dead "
        "letters), read from the broker at scrape time.",
        ("queue",),
        mode="scrape",
    ),
    MetricSpec(
        "hub_queue_consumers", "gauge",
        "Consumers attached to each hub queue, read from the broker at scrape time.",
        ("queue",),
        mode="scrape",
    ),
    MetricSpec(
        "hub_broker_up", "gauge",
        "1 while a hub process is connected to the broker and consuming hub.inbound.",
        mode="livemax",
    ),
    MetricSpec(
        "hub_system_up", "gauge",
        "1 while the hub's adapter for an external system reports it reachable, 0 while not.",
        ("system", "direction"),
        mode="livemax",
        values={"direction": DIRECTIONS},
    ),
    MetricSpec(
        "hub_system_last_success_timestamp_seconds", "gauge",
        "When an adapter last succeeded with its system: records handed in (inbound) or a "
        "delivery accepted (outbound).",
        ("system", "direction"),
        mode="max",
        values={"direction": DIRECTIONS},
    ),
    MetricSpec(
        "hub_source_last_received_timestamp_seconds", "gauge",
        "When the pipeline last received a record from a source, in any exchange mode "
        "(freshness).",
        ("source",),
        mode="max",
    ),
    MetricSpec(
        "hub_source_expected_interval_seconds", "gauge",
        "How often a source is expected to send at least one record (its cadence in the "
        "systems catalogue); a source silent for longer is late.",
        ("source",),
        mode="livemax",
    ),
    MetricSpec(
        "hub_journal_pending_records", "gauge",
        "Journal records queued in hub processes and not yet written.",
        mode="livesum",
    ),
    MetricSpec(
        "hub_journal_lag_seconds", "gauge",
        "Age of the oldest journal record not yet written (0 when everything is written).",
        mode="livemax",
    ),
    MetricSpec(
        "hub_journal_rejected_records_total", "counter",
        "Journal records the database refused for what they hold (a data error, a violated "
        "constraint) and the writer set aside after logging each at ERROR; the inputs "
        "themselves are on the broker, only their journal records are missing.",
    ),
)  # fmt: skip

BY_NAME: dict[str, MetricSpec] = {spec.name: spec for spec in METRICS}


def series_names() -> frozenset[str]:
    """Every sample name a scrape of the hub can show (``_bucket``, ``_created`` included)."""
    return frozenset(name for spec in METRICS for name in spec.series_names)
