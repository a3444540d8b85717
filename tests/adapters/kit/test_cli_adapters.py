"""``hub adapters list|show|new`` in-process: what each prints, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.registry import AdapterRegistry
from adapters.sdk import MODES
from adapters.testing.scaffold import Scaffold, render
from hub.app.cli import adapters_cmd

TABLE = {
    "rest-out": "adapters.rest.outbound:RestOutAdapter",
    "vendor-missing": "vendor_missing.adapter:VendorAdapter",
    "vendor-not-adapter": "collections:OrderedDict",
    "vendor-misnamed": "tests.adapters.kit.examples.folder:FolderOutAdapter",
    "example-folder-in": "tests.adapters.kit.examples.folder:FolderInAdapter",
}


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> AdapterRegistry:
    """A registry with a built-in, two good and three broken third-party adapters."""
    table = AdapterRegistry(TABLE, discover=False)
    monkeypatch.setattr(adapters_cmd, "_registry", lambda: table)
    return table


def _run(*args: str) -> Result:
    return CliRunner().invoke(adapters_cmd.adapters, list(args), catch_exceptions=False)


def test_list_shows_every_adapter_and_the_broken_ones_with_their_error() -> None:
    result = _run("list")
    assert result.exit_code == 1, "an adapter that cannot be loaded is a problem found"
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert set(lines) == set(TABLE)
    assert lines["rest-out"].split()[:4] == [
        "rest-out", "outbound", "rest", "adapters.rest.outbound:RestOutAdapter"]
    assert "POST or PUT each record" in lines["rest-out"]
    assert "ERROR:" in lines["vendor-missing"] and "vendor_missing" in lines["vendor-missing"]
    assert "not an adapter" in lines["vendor-not-adapter"]
    assert "its class says kind 'example-folder-out'" in lines["vendor-misnamed"]
    assert "ERROR" not in lines["example-folder-in"]


def test_list_json_gives_one_document_per_adapter() -> None:
    result = _run("list", "--json")
    rows = {row["kind"]: row for row in map(json.loads, result.output.splitlines())}
    assert rows["rest-out"] == {
        "kind": "rest-out", "direction": "outbound", "mode": "rest",
        "summary": "POST or PUT each record as JSON to an HTTP endpoint.",
        "module": "adapters.rest.outbound:RestOutAdapter", "source": "built-in", "error": None,
    }
    assert rows["example-folder-in"]["source"] == "entry point"
    assert rows["example-folder-in"]["error"] is None
    assert rows["vendor-missing"]["direction"] is None
    assert "No module named 'vendor_missing'" in rows["vendor-missing"]["error"]


def test_list_survives_a_module_that_raises_anything_on_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "vendor_explodes.py").write_text("raise RuntimeError('no licence server')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    table = AdapterRegistry({"vendor-explodes": "vendor_explodes:Adapter"}, discover=False)
    monkeypatch.setattr(adapters_cmd, "_registry", lambda: table)
    [row] = map(json.loads, _run("list", "--json").output.splitlines())
    assert "RuntimeError: no licence server" in row["error"]


def test_show_prints_each_option_with_type_default_required_and_secret() -> None:
    result = _run("show", "rest-out")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "rest-out: POST or PUT each record as JSON to an HTTP endpoint."
    header = next(line for line in lines if line.startswith("OPTION"))
    assert header.split() == ["OPTION", "TYPE", "DEFAULT", "REQUIRED", "SECRET", "DESCRIPTION"]
    token = next(line for line in lines if line.startswith("token "))
    assert "secret reference" in token and "Bearer token" in token
    assert token.split("secret reference")[1].split()[:3] == ["null", "no", "yes"]


def test_show_json_and_markdown() -> None:
    document = json.loads(_run("show", "rest-out", "--json").output)
    url = next(o for o in document["options"] if o["name"] == "url")
    assert url == {"name": "url", "type": "string", "default": "", "required": True,
                   "description": url["description"], "secret": False}
    assert document["mode"] == "rest"
    markdown = _run("show", "rest-out", "--markdown").output
    assert markdown.startswith("<!-- BEGIN GENERATED: rest-out -->")
    assert "| `timeout_seconds` | number, > 0 | `10.0` | no |" in markdown


def test_show_an_unknown_or_broken_adapter_is_a_configuration_error() -> None:
    unknown = _run("show", "rest-ot")
    assert unknown.exit_code == 2 and "did you mean 'rest-out'" in unknown.output
    broken = _run("show", "vendor-missing")
    assert broken.exit_code == 2 and "cannot be loaded" in broken.output


def test_new_writes_the_package_and_says_what_next(tmp_path: Path) -> None:
    dest = tmp_path / "acme"
    result = _run("new", "acme-licences", "--mode", "db", "--dest", str(dest))
    assert result.exit_code == 0, result.output
    expected = render(Scaffold("acme-licences", "inbound", "db"))
    assert {str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file()} == set(expected)
    assert (dest / "acme_licences" / "adapter.py").read_text() == expected[
        "acme_licences/adapter.py"]
    assert 'mode = "db"' in expected["acme_licences/adapter.py"]
    assert "pip install -e" in result.output


def test_new_defaults_to_a_directory_named_after_the_adapter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(adapters_cmd.adapter,  # hub adapter new: the same command
                                ["new", "acme-notices", "--direction", "outbound"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "acme-notices" / "acme_notices" / "adapter.py").read_text()
    assert "class AcmeNoticesAdapter(OutboundAdapter[AcmeNoticesConfig])" in text


def test_new_never_overwrites_and_writes_nothing_when_one_file_exists(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("mine")
    result = _run("new", "acme-licences", "--dest", str(tmp_path))
    assert result.exit_code == 2
    assert "not overwriting existing files" in result.output and "README.md" in result.output
    assert (tmp_path / "README.md").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"], "nothing else was written"


@pytest.mark.parametrize(("name", "message"), [
    ("Acme_Licences", "lower-case letters and digits"),
    ("acme--x", "lower-case letters and digits"),
    ("rest-out", "already a registered adapter"),
    ("hub", "which is taken"),
    ("a" * 25, "at most 24 characters"),
])
def test_new_refuses_bad_or_taken_names(name: str, message: str, tmp_path: Path) -> None:
    result = _run("new", name, "--dest", str(tmp_path / "out"))
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out").exists()


def test_the_mode_choices_are_the_sdks_modes() -> None:
    assert adapters_cmd.MODES == MODES


def test_the_legal_entity_lookup_is_listed_and_shown_as_a_lookup_adapter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builtins = AdapterRegistry(discover=False)
    monkeypatch.setattr(adapters_cmd, "_registry", lambda: builtins)
    rows = {row["kind"]: row for row in map(json.loads, _run("list", "--json").output.splitlines())}
    assert rows["legal-entity-lookup"] | {"summary": None} == {
        "kind": "legal-entity-lookup", "direction": "lookup", "mode": "rest", "summary": None,
        "module": "adapters.legal_entity.lookup:LegalEntityLookup", "source": "built-in",
        "error": None,
    }
    shown = _run("show", "legal-entity-lookup", "--json")
    assert shown.exit_code == 0, shown.output
    options = {o["name"]: o for o in json.loads(shown.output)["options"]}
    assert options["url"]["required"] and options["auth.token"]["secret"]
    assert options["kind"]["default"] == '"legal-entity-lookup"'
