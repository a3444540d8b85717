"""The hub's Prometheus metrics, built from :data:`monitor.metric_catalogue.METRICS`.

The one module that creates prometheus-client objects. Importing it fixes how values are
kept: in files shared by the host's hub processes when :func:`monitor.process.use_directory`
ran first, in memory otherwise (tests, one-off commands). ``scrape`` gauges are not created
here: :mod:`monitor.queues` reads them from the broker when scraped.
"""

from __future__ import annotations

from typing import cast

from prometheus_client import Counter, Gauge, Histogram

from monitor.metric_catalogue import BY_NAME, METRICS, MetricSpec

Metric = Counter | Gauge | Histogram


def _build(spec: MetricSpec) -> Metric:
    if spec.type == "counter":
        return Counter(spec.name.removesuffix("_total"), spec.help, spec.labels)
    if spec.type == "histogram":
        return Histogram(spec.name, spec.help, spec.labels, buckets=spec.buckets)
    assert spec.mode is not None and spec.mode != "scrape"
    return Gauge(spec.name, spec.help, spec.labels, multiprocess_mode=spec.mode)


_METRICS: dict[str, Metric] = {
    spec.name: _build(spec) for spec in METRICS if spec.mode != "scrape"
}


def counter(name: str) -> Counter:
    return cast(Counter, _get(name, "counter"))


def gauge(name: str) -> Gauge:
    return cast(Gauge, _get(name, "gauge"))


def histogram(name: str) -> Histogram:
    return cast(Histogram, _get(name, "histogram"))


def _get(name: str, kind: str) -> Metric:
    spec = BY_NAME.get(name)
    if spec is None or spec.type != kind or name not in _METRICS:
        raise KeyError(f"{name!r} is not a {kind} the hub records (see monitor.metric_catalogue)")
    return _METRICS[name]


MESSAGES_IN = counter("hub_messages_in_total")
MESSAGES_OUT = counter("hub_messages_out_total")
REJECTIONS = counter("hub_rejections_total")
FEEDBACK = counter("hub_feedback_total")
REVIEWS = counter("hub_reviews_total")
RETRIES = counter("hub_retries_total")
DEAD_LETTERS = counter("hub_dead_letters_total")
ADAPTER_RECORDS = counter("hub_adapter_records_total")
PROCESSING_SECONDS = histogram("hub_processing_seconds")
END_TO_END_SECONDS = histogram("hub_end_to_end_seconds")
IN_FLIGHT = gauge("hub_messages_in_flight")
BROKER_UP = gauge("hub_broker_up")
SYSTEM_UP = gauge("hub_system_up")
SYSTEM_LAST_SUCCESS = gauge("hub_system_last_success_timestamp_seconds")
SOURCE_LAST_RECEIVED = gauge("hub_source_last_received_timestamp_seconds")
SOURCE_EXPECTED_INTERVAL = gauge("hub_source_expected_interval_seconds")
JOURNAL_PENDING = gauge("hub_journal_pending_records")
JOURNAL_LAG = gauge("hub_journal_lag_seconds")
JOURNAL_REJECTED = counter("hub_journal_rejected_records_total")
