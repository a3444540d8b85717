"""Column maps: refused at load when they cannot work, and a header that would misfile data
refuses the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.file.columns import ColumnMap
from adapters.file.file_rows import FileUnusable
from schemas.contract.errors import ConfigError


def test_a_map_whose_fields_nest_into_each_other_is_refused() -> None:
    with pytest.raises(ValidationError, match="cannot also hold"):
        ColumnMap(columns={"相对人": "party", "名称": "party.name"})


def test_a_target_that_is_not_a_field_path_is_refused() -> None:
    with pytest.raises(ValidationError, match="not a field path"):
        ColumnMap(columns={"名称": "party name"})


def test_two_headers_may_name_one_field_but_not_in_the_same_file() -> None:
    columns = ColumnMap(columns={"统一社会信用代码": "party.credit_code",
                                 "社会信用代码": "party.credit_code"})
    assert columns.plan(["社会信用代码"]).record(["91310112087994932F"]) == {
        "party": {"credit_code": "91310112087994932F"}}
    with pytest.raises(FileUnusable, match="both fill party.credit_code"):
        columns.plan(["统一社会信用代码", "社会信用代码"])


def test_duplicate_and_nameless_headers_refuse_the_file() -> None:
    identity = ColumnMap.identity()
    with pytest.raises(FileUnusable, match="appears twice"):
        identity.plan(["content", "content"])
    with pytest.raises(FileUnusable, match="column 2 has no name"):
        identity.plan(["content", "", "status"])
    assert identity.plan(["content", "", ""]).width == 1, "trailing empty headers are dropped"


def test_as_is_headers_that_nest_into_each_other_refuse_the_file() -> None:
    with pytest.raises(FileUnusable, match="nests into"):
        ColumnMap.identity().plan(["party", "party.name"])


def test_a_map_file_that_is_not_a_map_is_a_config_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("columns: [a, b]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="map.yaml"):
        ColumnMap.load(path)
