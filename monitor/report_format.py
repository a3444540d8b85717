"""The reconciliation report (:mod:`monitor.report`) as a table, CSV or JSON.

Every renderer takes the :class:`Report` and ``names`` (system id -> name, e.g. the Chinese
names of the catalogue; ids it lacks get an empty name) and returns text.

- ``table``: for people; two sections (by source, by destination), each with a TOTAL row;
  columns aligned in a terminal, Chinese names counted as two columns wide.
- ``csv``: one header row, then one row per system and section (``source`` or
  ``destination``), TOTAL rows included (system ``TOTAL``); a column that does not apply to a
  section is empty, as is a rate or delay that does not exist.
- ``json``: one document: date, time zone, the day's UTC bounds, generated_at, the identity
  the rows satisfy, the delay method, ``sources``, ``destinations`` and ``totals``.

Rates are shares 0..1 and delays seconds, rounded to 6 decimals in CSV and JSON.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from monitor.report import TOTAL, DestinationRow, Report, SourceRow

IDENTITY = "received = delivered + rejected + dead_lettered + in_flight"
DELAY_METHOD = "nearest-rank"

CSV_COLUMNS = (
    "date", "section", "system", "name", "received", "routed", "delivered", "rejected",
    "dead_lettered", "in_flight", "with_feedback", "feedback_rate", "replay_copies",
    "timed_copies", "delay_median_seconds", "delay_p99_seconds",
)  # fmt: skip


def _utc(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def source_fields(row: SourceRow, names: Mapping[str, str]) -> dict[str, Any]:
    """One source row as plain values (the JSON object; CSV columns by the same names)."""
    return {
        "system": row.source, "name": names.get(row.source, ""), "received": row.received,
        "delivered": row.delivered, "rejected": row.rejected,
        "dead_lettered": row.dead_lettered, "in_flight": row.in_flight,
        "with_feedback": row.with_feedback, "feedback_rate": _rounded(row.feedback_rate),
        "replay_copies": row.replay_copies, "timed_copies": row.timed_copies,
        "delay_median_seconds": _rounded(row.delay_median_seconds),
        "delay_p99_seconds": _rounded(row.delay_p99_seconds),
    }  # fmt: skip


def destination_fields(row: DestinationRow, names: Mapping[str, str]) -> dict[str, Any]:
    """One destination row as plain values."""
    return {
        "system": row.destination, "name": names.get(row.destination, ""),
        "routed": row.routed, "delivered": row.delivered,
        "dead_lettered": row.dead_lettered, "in_flight": row.in_flight,
    }


def render_json(report: Report, names: Mapping[str, str]) -> str:
    document = {
        "date": report.day.isoformat(),
        "time_zone": report.time_zone,
        "since": _utc(report.since),
        "until": _utc(report.until),
        "generated_at": _utc(report.generated_at),
        "identity": IDENTITY,
        "delay": {"unit": "seconds", "method": DELAY_METHOD},
        "sources": [source_fields(row, names) for row in report.sources],
        "destinations": [destination_fields(row, names) for row in report.destinations],
        "totals": {
            "sources": source_fields(report.source_total, names),
            "destinations": destination_fields(report.destination_total, names),
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def render_csv(report: Report, names: Mapping[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, restval="", lineterminator="\n")
    writer.writeheader()
    day = report.day.isoformat()
    for row in (*report.sources, report.source_total):
        writer.writerow({"date": day, "section": "source", **_blank_none(source_fields(row, names))})
    for dest in (*report.destinations, report.destination_total):
        fields = _blank_none(destination_fields(dest, names))
        writer.writerow({"date": day, "section": "destination", **fields})
    return out.getvalue()


def _blank_none(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in fields.items()}


def render_table(report: Report, names: Mapping[str, str]) -> str:
    title = (
        f"Reconciliation of {report.day.isoformat()} ({report.time_zone}): messages received "
        f"{_utc(report.since)} to {_utc(report.until)}, states as of {_utc(report.generated_at.replace(microsecond=0))}"
    )
    lines = [
        title,
        "Every row: received = delivered + rejected + dead-lettered + in flight (checked).",
        "Delay: seconds from receipt to delivery, median and p99 by nearest rank.",
        "",
        "By source",
    ]
    lines += _grid(
        ("source", "name", "received", "delivered", "rejected", "dead-lettered", "in flight",
         "feedback", "median s", "p99 s"),
        [(r.source, names.get(r.source, ""), r.received, r.delivered, r.rejected,
          r.dead_lettered, r.in_flight, _percent(r.feedback_rate),
          _seconds(r.delay_median_seconds), _seconds(r.delay_p99_seconds))
         for r in (*report.sources, report.source_total)],
    )  # fmt: skip
    lines += ["", "By destination (copies of these messages routed to it)"]
    lines += _grid(
        ("destination", "name", "routed", "delivered", "dead-lettered", "in flight"),
        [(d.destination, names.get(d.destination, ""), d.routed, d.delivered, d.dead_lettered,
          d.in_flight) for d in (*report.destinations, report.destination_total)],
    )  # fmt: skip
    return "\n".join(lines) + "\n"


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.1%}"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _grid(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    """Aligned lines: the first two columns (id, name) left, the numbers right; a rule above
    the last row (TOTAL)."""
    cells = [[str(value) for value in row] for row in [header, *rows]]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        parts = []
        for i, text in enumerate(row):
            pad: Callable[[str, int], str] = _left if i < 2 else _right
            parts.append(pad(text, widths[i]))
        return "  ".join(parts).rstrip()

    out = [line(row) for row in cells]
    if rows and rows[-1][0] == TOTAL:
        out.insert(len(out) - 1, "-" * _width(out[0]))
    return out


def _left(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _right(text: str, width: int) -> str:
    return " " * (width - _width(text)) + text


#: ``--format`` name -> renderer.
RENDERERS: dict[str, Callable[[Report, Mapping[str, str]], str]] = {
    "table": render_table,
    "csv": render_csv,
    "json": render_json,
}
