"""Exchange monitoring: what flowed where, for operators.

Only this package imports prometheus-client. Its parts:
- :mod:`monitor.metric_catalogue`: every metric's fixed name, labels and meaning (no prometheus import);
- :mod:`monitor.metrics`, :mod:`monitor.hooks`, :mod:`monitor.sampler`, :mod:`monitor.queues`:
  the metrics, fed by the hub's observer callbacks, sampled gauges, and queue sizes read at
  scrape time; :mod:`monitor.process`: the metrics directory a host's hub processes share;
- :mod:`monitor.endpoint`, :mod:`monitor.service`: ``/metrics``, ``/healthz``, ``/readyz`` for
  ``hub run``;
- :mod:`monitor.report`, :mod:`monitor.fate`, :mod:`monitor.report_format`: ``hub report``, the
  day's reconciliation from the journal;
- :mod:`monitor.flow`: the in-process tally the demo prints;
- ``grafana/`` and ``prometheus/``: the dashboard, the scrape config and the alert rules
  (guide: ``docs/metrics.md``).
"""

# Modules, not names: importing prometheus-client must wait for monitor.process.use_directory.
__all__ = [
    "docs",
    "endpoint",
    "fate",
    "flow",
    "hooks",
    "metric_catalogue",
    "metrics",
    "process",
    "queues",
    "report",
    "report_format",
    "sampler",
    "service",
]
