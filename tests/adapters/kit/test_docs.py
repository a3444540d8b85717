"""Generated adapter docs: option tables from Config models, and docs/adapters.md kept fresh."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

from adapters.docs import (
    REFERENCE,
    everything,
    options,
    options_table,
    reference,
    refresh,
    regions_in,
)
from adapters.docs.__main__ import main
from adapters.registry import AdapterRegistry
from adapters.rest.outbound import RestOutAdapter
from adapters.sdk import AdapterConfig, SecretRef

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "adapters.md"


class _Basic(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["basic"] = Field(description="Basic authentication.")
    password: SecretRef = Field(description="The password.")


class _Sample(AdapterConfig):
    url: str = Field(description="Where | what.")
    token: SecretRef | None = Field(default=None, description="A token.")
    callers: dict[str, SecretRef] = Field(default_factory=dict, description="Callers.")
    method: Literal["POST", "PUT"] = Field(default="POST", description="Method.")
    page: int = Field(default=100, ge=1, le=1000, description="Page size.")
    folder: Path = Field(description="A folder.")
    tags: list[str] = Field(default_factory=list, description="Tags.")
    auth: _Basic | None = Field(default=None, description="Credentials.")
    undocumented: bool = False


def test_options_give_type_default_required_and_secret_per_field() -> None:
    rows = {o.name: o for o in options(_Sample)}
    assert list(rows)[:2] == ["kind", "url"], "declaration order, inherited kind first"
    assert (rows["url"].type, rows["url"].default, rows["url"].required) == ("string", "", True)
    assert rows["token"].type == "secret reference" and rows["token"].secret
    assert rows["token"].default == "null" and not rows["token"].required
    assert rows["callers"].type == "mapping of string to secret reference"
    assert rows["callers"].secret and rows["callers"].default == "{}"
    assert rows["method"].type == 'one of "POST", "PUT"' and rows["method"].default == '"POST"'
    assert rows["page"].type == "integer, >= 1, <= 1000"
    assert rows["folder"].type == "path" and rows["tags"].type == "list of string"
    assert rows["undocumented"].description == ""
    assert not rows["url"].secret and not rows["page"].secret


def test_a_nested_models_options_follow_its_field() -> None:
    rows = {o.name: o for o in options(_Sample)}
    assert rows["auth"].type == "object (_Basic)"
    assert rows["auth.password"].secret and rows["auth.password"].required
    assert rows["auth.type"].type == '"basic"'


def test_the_markdown_table_escapes_pipes_and_shows_missing_descriptions() -> None:
    table = options_table(_Sample)
    assert table.splitlines()[0] == "| Option | Type | Default | Required | Description |"
    assert "| `url` | string |  | yes | Where \\| what. |" in table
    assert "| `token` | secret reference | `null` | no | A token. |" in table
    assert "**(no description: fix the Config model)**" in table


def test_an_adapter_that_does_not_import_gets_a_visible_note_not_a_silent_gap() -> None:
    registry = AdapterRegistry(
        {"rest-out": "adapters.rest.outbound:RestOutAdapter", "ghost": "no_such_pkg.mod:Ghost"},
        discover=False,
    )
    notes: list[str] = []
    text = reference(registry, note=notes.append)
    sections = regions_in(regions_in(text)[REFERENCE])
    assert set(sections) == {"ghost", "rest-out"}
    assert "**Not generated:** `no_such_pkg.mod:Ghost` could not be loaded" in sections["ghost"]
    assert "ModuleNotFoundError" in sections["ghost"]
    assert notes == ["ghost: not generated, ModuleNotFoundError: No module named 'no_such_pkg'"]
    assert "| `token` | secret reference |" in sections["rest-out"]
    assert RestOutAdapter.summary in sections["rest-out"]


def test_refresh_refuses_a_document_without_the_reference_or_with_unknown_regions() -> None:
    fresh = {REFERENCE: "<!-- BEGIN GENERATED: adapter reference -->\nnew\n"
                        "<!-- END GENERATED: adapter reference -->"}
    with pytest.raises(ValueError, match="adapter reference"):
        refresh("no markers here", fresh)
    stale = ("intro\n<!-- BEGIN GENERATED: adapter reference -->\nold\n"
             "<!-- END GENERATED: adapter reference -->\nend\n")
    assert refresh(stale, fresh) == stale.replace("\nold\n", "\nnew\n")
    typo = stale + "<!-- BEGIN GENERATED: exampel x -->\n<!-- END GENERATED: exampel x -->\n"
    with pytest.raises(ValueError, match="exampel x"):
        refresh(typo, fresh)


def test_docs_adapters_md_is_fresh() -> None:
    current = GUIDE.read_text(encoding="utf-8")
    assert refresh(current, everything()) == current, (
        "docs/adapters.md is stale: run python -m adapters.docs --write docs/adapters.md")


def test_the_guide_holds_a_reference_section_for_every_built_in_adapter() -> None:
    sections = regions_in(regions_in(GUIDE.read_text(encoding="utf-8"))[REFERENCE])
    assert set(sections) == set(AdapterRegistry(discover=False).names())


def test_check_and_write_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "adapters.md"
    copy.write_text(GUIDE.read_text(encoding="utf-8").replace(
        "| `method` |", "| `methd` |"), encoding="utf-8")
    assert main(["--check", str(copy)]) == 1
    assert "is stale" in capsys.readouterr().err
    assert main(["--write", str(copy)]) == 0
    assert main(["--check", str(copy)]) == 0
    assert copy.read_text(encoding="utf-8") == GUIDE.read_text(encoding="utf-8")
    (tmp_path / "bare.md").write_text("# nothing generated here\n", encoding="utf-8")
    assert main(["--check", str(tmp_path / "bare.md")]) == 2
