"""docs/metrics.md: its reference generated from the catalogue and kept fresh; the guide names
every alert the rules ship."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from monitor.docs import REGION, main, reference
from monitor.metric_catalogue import BY_NAME, METRICS
from schemas.generate.doc_regions import refresh
from tests.monitor.promql import PROMETHEUS_DIR

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "metrics.md"


def test_docs_metrics_md_is_fresh() -> None:
    current = GUIDE.read_text(encoding="utf-8")
    assert refresh(current, {REGION: reference()}, REGION) == current, (
        "docs/metrics.md is stale: run python -m monitor.docs --write docs/metrics.md")


def test_the_reference_has_one_row_per_metric_in_catalogue_order() -> None:
    rows = [line for line in reference().splitlines() if line.startswith("| `")]
    assert re.findall(r"^\| `([^`]+)` \|", "\n".join(rows), re.MULTILINE) == [m.name for m in METRICS]
    row = dict(zip([m.name for m in METRICS], rows, strict=True))
    assert "| gauge | none |" in row["hub_messages_in_flight"]
    assert "`livesum`: sum over the live processes" in row["hub_messages_in_flight"]
    assert "`scrape`: read from the broker" in row["hub_queue_messages"]
    assert "`outcome` (`routed`, `review`, `rejected`)" in row["hub_messages_in_total"]
    assert "hub.out.\\<destination>" in row["hub_messages_out_total"], "< escaped, not a tag"


def test_every_closed_label_set_belongs_to_a_label_of_its_metric() -> None:
    for spec in METRICS:
        assert set(spec.values) <= set(spec.labels), spec.name
    assert BY_NAME["hub_adapter_records_total"].values == {"outcome": ("submitted", "refused")}


def test_check_fails_on_a_stale_copy_and_write_repairs_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "metrics.md"
    copy.write_text(GUIDE.read_text(encoding="utf-8").replace(
        "`hub_retries_total` | counter", "`hub_retrys_total` | counter"), encoding="utf-8")
    assert main(["--check", str(copy)]) == 1
    assert "is stale: run python -m monitor.docs --write" in capsys.readouterr().err
    assert main(["--write", str(copy)]) == 0
    assert main(["--check", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == GUIDE.read_text(encoding="utf-8")


def test_a_file_without_the_region_or_with_a_foreign_one_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bare = tmp_path / "bare.md"
    bare.write_text("# nothing generated here\n", encoding="utf-8")
    assert main(["--check", str(bare)]) == 2
    assert REGION in capsys.readouterr().err
    typo = tmp_path / "typo.md"
    typo.write_text(GUIDE.read_text(encoding="utf-8")
                    + "<!-- BEGIN GENERATED: metric reference -->\n"
                      "<!-- END GENERATED: metric reference -->\n", encoding="utf-8")
    assert main(["--write", str(typo)]) == 2
    assert "regions nothing generates: metric reference" in capsys.readouterr().err
    assert main(["--check", str(tmp_path / "missing.md")]) == 2


def test_the_command_runs_without_prometheus_client() -> None:
    """``python -m monitor.docs`` as CI would run it: fresh, and prometheus-client not loaded."""
    code = ("import sys, runpy; sys.argv = ['monitor.docs', '--check', 'docs/metrics.md']\n"
            "try:\n    runpy.run_module('monitor.docs', run_name='__main__')\n"
            "except SystemExit as e:\n    print(e.code, 'prometheus_client' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.stdout.split() == ["0", "False"], result.stdout + result.stderr


def test_the_guide_lists_exactly_the_alerts_the_rules_ship() -> None:
    rules = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text(encoding="utf-8"))
    shipped = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    listed = set(re.findall(r"^\| `(Hub\w+)` \|", GUIDE.read_text(encoding="utf-8"), re.MULTILINE))
    assert listed == shipped
