"""Helpers for the dashboard and rule tests: promtool, and the metric names a PromQL query reads.

:func:`metric_names` is a small lexer, not a PromQL parser: it is meant for the hand-written
queries of ``monitor/`` (promtool checks their syntax) and is itself tested on the constructs
they use.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

PROMETHEUS_DIR = Path(__file__).resolve().parents[2] / "monitor" / "prometheus"
DASHBOARD = Path(__file__).resolve().parents[2] / "monitor" / "grafana" / "supervision-hub.json"

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_OFFSETS = re.compile(r"\boffset\s+-?\w+")
_NAMES = re.compile(r"(?<![\w.:])[a-zA-Z_:][\w:]*(?![\w:])")
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "by", "without", "on", "ignoring",
                       "group_left", "group_right", "offset", "inf", "nan", "atan2"})


def metric_names(expr: str) -> set[str]:
    """The metric names ``expr`` selects (functions, keywords and label names left out)."""
    text = _STRINGS.sub('""', expr)
    for pattern in (_MATCHERS, _RANGES, _LABEL_LISTS, _OFFSETS):
        text = pattern.sub(" ", text)
    names = set()
    for match in _NAMES.finditer(text):
        if text[match.end():].lstrip().startswith("("):
            continue  # a function or an aggregation
        if match.group(0).lower() not in _KEYWORDS:
            names.add(match.group(0))
    return names


def require_promtool() -> str:
    """promtool's path; skips when it is missing, except under CI=true, where that fails."""
    path = shutil.which("promtool")
    if path:
        return path
    message = "promtool is not installed (Debian's prometheus package provides it)"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true forbids skipping the promtool checks")
    pytest.skip(message)


def run_promtool(promtool: str, *args: str | Path, cwd: Path | None = None) -> str:
    """Run promtool; its output when it succeeds, an assertion error with that output if not."""
    result = subprocess.run([promtool, *map(str, args)], capture_output=True, text=True,
                            cwd=cwd, timeout=120, check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"promtool {' '.join(map(str, args))} failed:\n{output}"
    return output
