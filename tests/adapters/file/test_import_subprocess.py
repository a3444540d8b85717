"""``hub import`` as a real process: a GBK file on the embedded broker, exit code and summary.

Needs the command registered in ``hub/app/cli/__init__.py`` (``main.add_command(import_file)``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from tests.adapters.file.support import LAYOUT, write_licences

REPO = Path(__file__).resolve().parents[3]


def test_hub_import_runs_as_a_process_and_exits_1_for_a_refused_row(tmp_path: Path) -> None:
    data = write_licences(tmp_path / "licences.csv", 3, encoding="gbk", bad_rows={2: ["坏"]})
    columns = tmp_path / "columns.yaml"
    columns.write_text(yaml.safe_dump({"columns": LAYOUT}, allow_unicode=True), encoding="utf-8")
    script = shutil.which("hub")
    command = [script] if script else [sys.executable, "-m", "hub.app.cli"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(PYTHONPATH=str(REPO), HUB_DATA_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        [*command, "import", str(data), "--source", "market", "--record-type",
         "administrative_licence", "--encoding", "gbk", "--columns", str(columns)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["rows_taken"], summary["rows_refused"]) == (2, 1)
    assert (tmp_path / "licences.csv.errors.csv").exists()
    assert "rows/s" not in result.stderr, "no progress bar on a pipe"
