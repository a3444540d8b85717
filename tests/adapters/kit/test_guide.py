"""Following docs/adapters.md literally works: the worked example's files, written as the guide
shows them (plus the unit test of its section 4.3), make a package whose tests pass, and its
connections-file examples are accepted by the hub."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from adapters.docs.generate import EXAMPLES
from adapters.registry import AdapterRegistry
from adapters.testing.scaffold import Scaffold, render, write
from hub.config.settings import load_settings
from hub.config.system_catalogue import SystemCatalogue
from hub.hosting.connections import Connections

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "adapters.md"
EXAMPLE = "example acme-licences/"
PLUGIN = "adapters.testing.plugin"
_BLOCK = re.compile(
    r"<!-- BEGIN GENERATED: (?P<name>[^>]+) -->\n```\w*\n(?P<code>.*?)\n```\n", re.DOTALL)


def _files(guide: str) -> dict[str, str]:
    """Relative path -> content of every file the guide shows for the inbound example."""
    return {m.group("name")[len(EXAMPLE):]: m.group("code") + "\n"
            for m in _BLOCK.finditer(guide) if m.group("name").startswith(EXAMPLE)}


def _unit_test_snippet(guide: str) -> str:
    section = guide.split("### 4.3", 1)[1].split("### 4.4", 1)[0]
    [code] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    return code


def test_the_guides_package_layout_lists_exactly_the_files_it_shows() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    layout = guide.split("### 2.1 The package", 1)[1].split("```", 2)[1]
    listed = {line.strip() for line in layout.splitlines()[2:] if line.strip()}
    assert listed == set(_files(guide))


def test_following_the_guide_gives_a_package_whose_tests_pass(tmp_path: Path) -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    project = tmp_path / "acme-licences"
    for relative, text in _files(guide).items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    tests = project / "tests" / "test_acme_licences.py"
    # Section 4.3's unit test, added to the test class (the module's last statement).
    tests.write_text(tests.read_text(encoding="utf-8") + "\n"
                     + textwrap.indent(_unit_test_snippet(guide), "    "),
                     encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PYTEST_"))}
    # Installed, the hub registers its plugin (the fixtures of 4.3) through its pytest11 entry
    # point; a checkout installed before that entry point existed needs it named.
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *([] if installed else ["-p", PLUGIN])], cwd=project, env=env,
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "16 passed" in result.stdout, "the 15 checks and the unit test of 4.3"


def test_every_connections_file_example_of_the_guide_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for kind, direction in EXAMPLES:
        write(render(Scaffold(kind, direction)), tmp_path / kind)  # type: ignore[arg-type]
        monkeypatch.syspath_prepend(str(tmp_path / kind))
    registry = AdapterRegistry({
        "acme-licences": "acme_licences.adapter:AcmeLicencesAdapter",
        "acme-notices": "acme_notices.adapter:AcmeNoticesAdapter",
    }, discover=False)
    catalogue = SystemCatalogue.load(load_settings(None).systems_file)
    systems = catalogue.ids
    codes = {system.id: system.credit_codes for system in catalogue}
    examples = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(examples) == 3
    for number, example in enumerate(examples):
        path = tmp_path / f"connections-{number}.yaml"
        path.write_text(example, encoding="utf-8")
        [market] = Connections.load(path, systems, registry, credit_codes=codes)
        assert market.system == "market" and (market.inbound or market.outbound)
