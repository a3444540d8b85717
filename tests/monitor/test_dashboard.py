"""The Grafana dashboard: importable structure, valid queries, only metrics the hub exports, and
the panels operators need (issue #5)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.metric_catalogue import series_names
from tests.monitor.promql import DASHBOARD, metric_names, require_promtool, run_promtool

DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
#: Grafana's variables, as a query would see them once Grafana has filled them in.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "6h",
                     "$source": "market|tax"}

Panel = dict[str, Any]


def _dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def _panels() -> list[Panel]:
    return [p for p in _dashboard()["panels"] if p["type"] != "row"]


def _queries(panel: Panel) -> Iterator[tuple[str, str]]:
    """(refId, expression) of each of the panel's queries."""
    for target in panel["targets"]:
        yield target["refId"], target["expr"]


def filled_in(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"a Grafana variable the test does not know: {expr}"
    return expr


def test_the_file_is_stable_json_with_two_space_indents() -> None:
    text = DASHBOARD.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def test_it_is_in_grafanas_import_format() -> None:
    dashboard = _dashboard()
    assert dashboard["__inputs"] == [{
        "name": "DS_PROMETHEUS", "label": "Prometheus",
        "description": dashboard["__inputs"][0]["description"], "type": "datasource",
        "pluginId": "prometheus", "pluginName": "Prometheus",
    }]
    requires = {(r["type"], r["id"]) for r in dashboard["__requires"]}
    assert {("grafana", "grafana"), ("datasource", "prometheus")} <= requires
    assert {("panel", p["type"]) for p in _panels()} <= requires, "a panel type not required"
    assert dashboard["uid"] == "supervision-hub" and dashboard["id"] is None
    assert dashboard["schemaVersion"] >= 39 and dashboard["title"]


def test_every_panel_and_query_uses_the_imported_prometheus() -> None:
    for panel in _panels():
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], f"{panel['title']} queries nothing"
        assert all(t["datasource"] == DATASOURCE for t in panel["targets"]), panel["title"]
        ref_ids = [t["refId"] for t in panel["targets"]]
        assert len(ref_ids) == len(set(ref_ids)), panel["title"]
        assert panel["title"].strip() and panel["description"].strip(), panel["title"]


def test_panel_ids_and_titles_are_unique_and_panels_do_not_overlap() -> None:
    panels = _dashboard()["panels"]
    ids = [p["id"] for p in panels]
    titles = [p["title"] for p in panels]
    assert len(ids) == len(set(ids)) and len(titles) == len(set(titles))
    boxes = {}
    for p in panels:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["w"] > 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, p["title"]
        boxes[p["title"]] = (g["x"], g["y"], g["x"] + g["w"], g["y"] + g["h"])
    for (a, (ax0, ay0, ax1, ay1)), (b, (bx0, by0, bx1, by1)) in combinations(boxes.items(), 2):
        assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0, f"{a} overlaps {b}"


def test_the_department_variable_lists_sources_and_allows_several_or_all() -> None:
    [variable] = _dashboard()["templating"]["list"]
    query = "label_values(hub_source_expected_interval_seconds, source)"
    assert variable["name"] == "source" and variable["type"] == "query"
    assert variable["datasource"] == DATASOURCE
    assert variable["query"]["query"] == query
    assert variable["multi"] and variable["includeAll"]
    assert variable["allValue"] == ".*", "All must also match departments not sending yet"
    assert "hub_messages_in_total" in series_names()


def test_every_metric_a_panel_queries_is_one_the_hub_exports() -> None:
    exported = series_names()
    unknown = {}
    for panel in _panels():
        for ref_id, expr in _queries(panel):
            names = metric_names(filled_in(expr))
            assert names, f"{panel['title']} {ref_id} reads no metric"
            if names - exported:
                unknown[f"{panel['title']} {ref_id}"] = sorted(names - exported)
    assert unknown == {}


def test_every_panel_query_is_valid_promql(tmp_path: Path) -> None:
    """promtool parses each query, written as a recording rule; its error names the panel."""
    promtool = require_promtool()
    rules = [{"record": f"dashboard:panel_{panel['id']}_{ref_id}", "expr": filled_in(expr)}
             for panel in _panels() for ref_id, expr in _queries(panel)]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}),
                    encoding="utf-8")
    assert f"SUCCESS: {len(rules)} rules found" in run_promtool(promtool, "check", "rules", path)


def _unit(panel: Panel) -> str:
    return str(panel["fieldConfig"]["defaults"].get("unit", ""))


def _reads(*metrics: str, also: str = "") -> Callable[[Panel], bool]:
    """A panel one of whose queries reads every one of ``metrics`` and contains ``also``."""
    def matches(panel: Panel) -> bool:
        return any(set(metrics) <= metric_names(filled_in(expr)) and also in expr
                   for _, expr in _queries(panel))
    return matches


#: What operators need (issue #5): a name, how to recognise the panel, the unit it must show.
REQUIRED_PANELS: list[tuple[str, Callable[[Panel], bool], str]] = [
    ("throughput in per department", _reads("hub_messages_in_total", also="by (source)"), "reqps"),
    ("throughput out per department",
     _reads("hub_messages_out_total", also="by (destination)"), "reqps"),
    ("rejection rate per department",
     _reads("hub_messages_in_total", also='outcome="rejected"'), "percentunit"),
    ("feedback rate per department",
     _reads("hub_feedback_total", "hub_messages_in_total"), "percentunit"),
    ("dead-letter queue sizes", _reads("hub_queue_messages", also="dead|hub[.]quarantine"), "none"),
    ("retries", _reads("hub_retries_total"), "reqps"),
    ("processing latency p50 and p99",
     lambda p: all(_reads("hub_processing_seconds_bucket", also=f"histogram_quantile({q},")(p)
                   for q in ("0.5", "0.99")), "s"),
    ("end-to-end latency p50 and p99",
     lambda p: all(_reads("hub_end_to_end_seconds_bucket", also=f"histogram_quantile({q},")(p)
                   for q in ("0.5", "0.99")), "s"),
    ("freshness per source", _reads("hub_source_last_received_timestamp_seconds",
                                    "hub_source_expected_interval_seconds", also="time() -"),
     "percentunit"),
    ("adapters up or down", _reads("hub_system_up"), "none"),
    ("broker connected", _reads("hub_broker_up"), "none"),
    ("queue backlog", _reads("hub_queue_messages", also='queue!~".+[.]dead'), "none"),
    ("consumers per queue", _reads("hub_queue_consumers"), "none"),
    ("journal lag", _reads("hub_journal_lag_seconds"), "s"),
    ("in flight", _reads("hub_messages_in_flight"), "none"),
]


@pytest.mark.parametrize(("need", "matches", "unit"), REQUIRED_PANELS,
                         ids=[need for need, _, _ in REQUIRED_PANELS])
def test_the_panels_operators_need_are_there(need: str, matches: Callable[[Panel], bool],
                                             unit: str) -> None:
    found = [p for p in _panels() if matches(p)]
    assert found, f"no panel shows {need}"
    if unit:
        assert unit in {_unit(p) for p in found}, f"{need}: no panel in {unit}"


def test_the_rate_panels_define_what_they_divide() -> None:
    titles = {p["title"]: p for p in _panels()}
    rejection = titles["Rejection rate per department"]["description"]
    feedback = titles["Feedback rate per department"]["description"]
    assert re.search(r"Rejection rate = inputs the hub rejected .* / all inputs received", rejection)
    assert re.search(r"Feedback rate = feedback records the hub sent back to the department / "
                     r"inputs the hub received from it", feedback)
