"""The dashboard against Grafana's own dashboard model, as Grafana publishes it.

No Grafana server can be installed here, so the dashboard is checked against the TypeScript
model Grafana ships in ``@grafana/schema`` (the classic dashboard JSON Grafana imports): the
JSON becomes an object literal of type ``Dashboard`` and ``tsc --strict`` must accept it, which
rejects unknown keys at every level, wrong types and values outside Grafana's enumerations.
The import wrapper (``__inputs``, ``__requires``) is not part of the model and is left out.

Needs Node.js and the npm registry (the two packages are installed once into a cache folder);
skips without Node.js, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.monitor.promql import DASHBOARD

GRAFANA_SCHEMA = "13.2.3"
TYPESCRIPT = "5.9.3"
MODEL = "@grafana/schema/dist/types/raw/dashboard/x/types.gen"

#: Grafana's enumerations are TypeScript enums; in JSON they are their string values.
_CHECK = """import type {{ Dashboard }} from "{model}";
type Json<T> = T extends string ? `${{T}}`
  : T extends (infer U)[] ? Json<U>[]
  : T extends object ? {{ [K in keyof T]: Json<T[K]> }}
  : T;
const dashboard: Json<Dashboard> = {literal};
export default dashboard;
"""


@pytest.fixture(scope="module")
def tools() -> Path:
    """A folder with typescript and @grafana/schema installed (cached between runs)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        message = "Node.js and npm are needed to check the dashboard against Grafana's model"
        if IN_CI:
            pytest.fail(f"{message}, and CI=true forbids skipping it")
        pytest.skip(message)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    folder = cache / "supervision-hub" / f"grafana-schema-{GRAFANA_SCHEMA}-ts-{TYPESCRIPT}"
    if not (folder / "node_modules" / ".bin" / "tsc").exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder),
             f"typescript@{TYPESCRIPT}", f"@grafana/schema@{GRAFANA_SCHEMA}"],
            check=True, timeout=600, capture_output=True,
        )
    return folder


def type_check(tools: Path, dashboard: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """``tsc --strict`` on the dashboard as a ``Dashboard`` literal, written beside the
    packages (where the compiler resolves them) under a name of its own, removed after."""
    model = {key: value for key, value in dashboard.items() if not key.startswith("__")}
    literal = json.dumps(model, ensure_ascii=False, indent=1)
    source = tools / f"dashboard-{uuid.uuid4().hex}.ts"
    source.write_text(_CHECK.format(model=MODEL, literal=literal), encoding="utf-8")
    try:
        return subprocess.run(
            [str(tools / "node_modules" / ".bin" / "tsc"), "--noEmit", "--strict",
             "--moduleResolution", "node", "--module", "esnext", "--target", "es2020",
             source.name],
            capture_output=True, text=True, timeout=300, check=False, cwd=tools,
        )
    finally:
        source.unlink()


def test_the_dashboard_is_a_dashboard_by_grafanas_own_model(tools: Path) -> None:
    result = type_check(tools, json.loads(DASHBOARD.read_text(encoding="utf-8")))
    assert result.returncode == 0, result.stdout + result.stderr


def _misspell_a_key(panel: dict[str, Any]) -> str:
    panel["gridPoss"] = panel.pop("gridPos")
    return "gridPoss"


def _use_an_unknown_colour_mode(panel: dict[str, Any]) -> str:
    panel["fieldConfig"]["defaults"]["color"] = {"mode": "rainbow"}
    return "rainbow"


@pytest.mark.parametrize("spoil", [_misspell_a_key, _use_an_unknown_colour_mode])
def test_a_dashboard_grafana_would_not_understand_is_refused(
    tools: Path, spoil: Callable[[dict[str, Any]], str],
) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    culprit = spoil(next(p for p in dashboard["panels"] if p.get("fieldConfig")))
    result = type_check(tools, dashboard)
    assert result.returncode != 0 and culprit in result.stdout, result.stdout
