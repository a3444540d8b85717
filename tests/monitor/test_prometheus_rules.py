"""The shipped Prometheus files: valid for promtool, tested, and written against the catalogue."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.metric_catalogue import series_names
from tests.monitor.promql import (
    PROMETHEUS_DIR,
    metric_names,
    require_promtool,
    run_promtool,
)

RULES = PROMETHEUS_DIR / "rules.yml"
RULE_TESTS = PROMETHEUS_DIR / "rules.test.yml"
CONFIG = PROMETHEUS_DIR / "prometheus.yml"
SEVERITIES = {"critical", "warning", "info"}


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def _alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in _rules() if "alert" in rule}


@pytest.fixture
def promtool() -> str:
    return require_promtool()


def test_promtool_accepts_the_rules(promtool: str) -> None:
    assert "SUCCESS" in run_promtool(promtool, "check", "rules", RULES)


def test_promtool_accepts_the_scrape_config_and_the_rules_it_loads(promtool: str) -> None:
    output = run_promtool(promtool, "check", "config", CONFIG)
    assert "1 rule files found" in output


def test_the_rules_unit_tests_pass(promtool: str) -> None:
    assert "SUCCESS" in run_promtool(promtool, "test", "rules", RULE_TESTS.name,
                                     cwd=PROMETHEUS_DIR)


@pytest.mark.parametrize("alert", sorted(_alerts()))
def test_the_unit_tests_fail_when_an_alert_never_fires(promtool: str, alert: str,
                                                        tmp_path: Path) -> None:
    """Each alert's bad case is really tested: with its condition replaced by one that never
    holds, promtool test rules fails."""
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in document["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == alert:
                rule["expr"] = "vector(0) > 1"
    (tmp_path / RULES.name).write_text(yaml.safe_dump(document), encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    result = subprocess.run([promtool, "test", "rules", RULE_TESTS.name], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0, f"the tests still pass when {alert} never fires"
    assert alert in result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_quiet() -> None:
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    checks = [check for group in tests for check in group.get("alert_rule_test", [])]
    fires = {c["alertname"] for c in checks if c.get("exp_alerts")}
    quiet = {c["alertname"] for c in checks if not c.get("exp_alerts")}
    assert set(_alerts()) - fires == set(), "alerts never shown firing"
    assert set(_alerts()) - quiet == set(), "alerts never shown quiet"
    assert (fires | quiet) - set(_alerts()) == set(), "tests of alerts that do not exist"


def test_every_alert_has_a_severity_a_summary_and_a_description() -> None:
    for name, alert in _alerts().items():
        assert alert["labels"]["severity"] in SEVERITIES, name
        assert set(alert["annotations"]) >= {"summary", "description"}, name
        assert all(text.strip() for text in alert["annotations"].values()), name


def test_every_metric_in_the_rules_is_one_the_hub_exports() -> None:
    recorded = {rule["record"] for rule in _rules() if "record" in rule}
    known = series_names() | {"up"} | recorded
    used = {name: metric_names(rule["expr"]) for name, rule in
            ((rule.get("alert") or rule["record"], rule) for rule in _rules())}
    unknown = {name: sorted(names - known) for name, names in used.items() if names - known}
    assert unknown == {}
    assert set().union(*used.values()) >= {"up", "hub_source_last_received_timestamp_seconds"}


def test_the_rules_name_the_job_the_scrape_config_scrapes() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert config["rule_files"] == [RULES.name]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["supervision-hub"]["metrics_path"] == "/metrics"
    assert all(target.endswith(":9464") for conf in jobs["supervision-hub"]["static_configs"]
               for target in conf["targets"])
    assert _alerts()["HubTargetDown"]["expr"].startswith('up{job="supervision-hub"}')


@pytest.mark.parametrize(("expr", "names"), [
    ('sum by (le) (rate(a_bucket{queue=~"x.y|b c"}[5m]))', {"a_bucket"}),
    ("(time() - b) > on (source) group_left max by (source) (c)", {"b", "c"}),
    ("d > d offset 15m and e >= 1e3 unless bool f", {"d", "e", "f"}),
    ("max_over_time(g[1d:5m]) or last_over_time(rec:g:latest[6h])", {"g", "rec:g:latest"}),
    ('sum(h) by (source) / ignoring(x) vector(1)', {"h"}),
])
def test_metric_names_reads_what_a_query_selects(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names
