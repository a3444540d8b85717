"""A scaffolded adapter package as its author gets it: installed, it is registered and listed;
its own tests (the conformance suite against its stand-in system) pass; it passes ruff."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from adapters.testing.scaffold import Scaffold, render, write
from tests.conftest import IN_CI

#: ``hub adapters list --json`` in a new process (which sees the freshly installed package).
LIST_JSON = ("from hub.app.cli.adapters_cmd import adapters; "
             "adapters(['list', '--json'], prog_name='hub adapters')")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("HUB_", "PYTEST_")) and k != "PYTHONPATH"}


def _run(args: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


def _scaffold(tmp_path: Path, direction: str) -> tuple[Scaffold, Path]:
    # A name of its own per run: two runs at once must not install over each other.
    scaffold = Scaffold(f"kit-{direction}-{uuid.uuid4().hex[:8]}", direction)  # type: ignore[arg-type]
    project = tmp_path / scaffold.kind
    write(render(scaffold), project)
    return scaffold, project


def _pytest(project: Path) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)


def test_an_installed_scaffold_is_registered_listed_and_passes_its_own_tests(
    tmp_path: Path,
) -> None:
    scaffold, project = _scaffold(tmp_path, "inbound")
    pip = [sys.executable, "-m", "pip"]
    installed = _run([*pip, "install", "--quiet", "--no-deps", "-e", str(project)], tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    try:
        listing = _run([sys.executable, "-c", LIST_JSON], tmp_path)
        rows = {row["kind"]: row for row in map(json.loads, listing.stdout.splitlines())}
        assert rows[scaffold.kind] == {
            "kind": scaffold.kind, "direction": "inbound", "mode": "rest",
            "summary": scaffold.summary, "source": "entry point", "error": None,
            "module": f"{scaffold.package}.adapter:{scaffold.class_prefix}Adapter",
        }
        tests = _pytest(project)
        assert tests.returncode == 0, tests.stdout[-4000:]
        assert "15 passed" in tests.stdout
    finally:
        removed = _run([*pip, "uninstall", "--yes", "--quiet", scaffold.distribution], tmp_path)
        assert removed.returncode == 0, removed.stderr


def test_an_outbound_scaffold_passes_its_own_tests(tmp_path: Path) -> None:
    _, project = _scaffold(tmp_path, "outbound")
    tests = _pytest(project)  # not installed: python -m pytest imports it from the project
    assert tests.returncode == 0, tests.stdout[-4000:]
    assert "14 passed" in tests.stdout


def test_scaffolds_pass_ruff(tmp_path: Path) -> None:
    if importlib.util.find_spec("ruff") is None:
        message = "ruff is not installed (it is in the dev and test extras)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    for direction in ("inbound", "outbound"):
        project = tmp_path / direction
        write(render(Scaffold(f"{direction}-{'x' * 23}"[:24], direction)), project)
        # The ruff defaults, and lines within the project's length too (a long adapter name).
        lint = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "--extend-select",
                     "E501", "."], project)
        assert lint.returncode == 0, lint.stdout
