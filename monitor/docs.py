"""``python -m monitor.docs [--write FILE | --check FILE]``: the metrics reference of the docs.

The reference (one table row per metric of :data:`monitor.metric_catalogue.METRICS`: name, type,
labels with their closed value sets, meaning, how hub processes combine) is generated into the
region between ``<!-- BEGIN GENERATED: metrics reference -->`` and ``<!-- END GENERATED:
metrics reference -->`` of ``docs/metrics.md``; the rest of that guide is written by hand.

Without an option the reference is printed. Exit codes: 0 done (or fresh), 1 stale
(``--check``), 2 the file cannot be read or lacks the region. Reads the catalogue only: it
never imports prometheus-client.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from monitor.metric_catalogue import LATENCY_BUCKETS, METRICS, MetricSpec
from schemas.generate.doc_regions import command_line, table_cell

REGION = "metrics reference"
#: How a gauge's values from several hub processes on one host make the scraped value.
MODES = {
    "livesum": "sum over the live processes",
    "livemax": "highest of the live processes",
    "max": "highest of every process since the hub started",
    "scrape": "read from the broker at scrape time",
}
COUNTERS_ACROSS_PROCESSES = "sum over every process since the hub started"


def labelstable_cell(spec: MetricSpec) -> str:
    """The labels of ``spec``, each with its value set where that set is closed."""
    parts = []
    for label in spec.labels:
        values = spec.values.get(label)
        shown = f"`{label}`"
        if values:
            shown += " (" + ", ".join(f"`{v}`" for v in values) + ")"
        parts.append(shown)
    return ", ".join(parts) or "none"


def across_processes(spec: MetricSpec) -> str:
    if spec.type != "gauge":
        return COUNTERS_ACROSS_PROCESSES
    if spec.mode is None:
        raise ValueError(f"gauge {spec.name} has no multiprocess mode in the catalogue")
    return f"`{spec.mode}`: {MODES[spec.mode]}"


def table(metrics: Sequence[MetricSpec] = METRICS) -> str:
    """The markdown table: one row per metric, in catalogue order."""
    rows = ["| Metric | Type | Labels | Meaning | Across processes |",
            "| --- | --- | --- | --- | --- |"]
    for spec in metrics:
        rows.append(f"| `{spec.name}` | {spec.type} | {labelstable_cell(spec)} | {table_cell(spec.help)} "
                    f"| {across_processes(spec)} |")
    return "\n".join(rows)


def reference(metrics: Sequence[MetricSpec] = METRICS) -> str:
    """The whole generated region, markers included."""
    buckets = ", ".join(f"{b:g}" for b in LATENCY_BUCKETS)
    intro = ("<!-- Generated from monitor/metric_catalogue.py by "
             "`python -m monitor.docs --write docs/metrics.md`; do not edit by hand. -->")
    samples = ("Samples: a counter `<name>_total` is also exposed as `<name>_created` (when its "
               "series began); a histogram `<name>` as `<name>_bucket` (with `le`), `<name>_sum` "
               f"and `<name>_count`. Histogram buckets, in seconds: {buckets}.")
    body = "\n\n".join([intro, table(metrics), samples])
    return f"<!-- BEGIN GENERATED: {REGION} -->\n{body}\n<!-- END GENERATED: {REGION} -->"


def main(argv: Sequence[str] | None = None) -> int:
    return command_line(argv, prog="python -m monitor.docs", description=__doc__,
                        generate=lambda: {REGION: reference()}, required=REGION)


if __name__ == "__main__":
    sys.exit(main())
