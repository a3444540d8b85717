"""Loading source mapping files: the shipped ones load, bad ones name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from transforms.mapping_catalogue import SOURCE_DIRECTORY, MappingCatalogue
from transforms.stylesheet import STYLESHEET_DIRECTORY
from transforms.transform_errors import MappingFileError

SYSTEMS_FILE = Path(__file__).parents[2] / "schemas" / "data" / "systems.yaml"

GOOD = """\
system: water
description: test source
mappings:
  - record_types: [administrative_penalty]
    layout: json
    renames: {A: party.name}
"""


def _load(tmp_path: Path, text: str, name: str = "water") -> MappingCatalogue:
    (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    return MappingCatalogue.load(tmp_path, stylesheet_directory=STYLESHEET_DIRECTORY)


def test_shipped_sources_load_and_are_named_after_real_systems() -> None:
    systems = yaml.safe_load(SYSTEMS_FILE.read_text(encoding="utf-8"))["systems"]
    catalogue = MappingCatalogue.load(
        known_systems={system["id"] for system in systems}
    )
    assert catalogue.sources() == sorted(
        path.stem for path in SOURCE_DIRECTORY.glob("*.yaml")
    )
    assert catalogue.find("environment", "administrative_penalty") is not None
    assert catalogue.find("environment", "administrative_licence") is not None
    health = catalogue.find("health", "administrative_licence")
    assert health is not None and health.stylesheet is not None


def test_empty_catalogue_has_no_mappings() -> None:
    assert (
        MappingCatalogue.empty().find("environment", "administrative_penalty") is None
    )


def test_yaml_integer_codes_are_read_as_text(tmp_path: Path) -> None:
    text = GOOD + "    code_tables: {licence_category: {0: 普通, '01': 特许}}\n"
    mapping = _load(tmp_path, text).find("water", "administrative_penalty")
    assert mapping is not None
    assert mapping.mapping.code_tables["licence_category"] == {
        "0": "普通",
        "01": "特许",
    }


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (GOOD + "    renamez: {}\n", "mappings.0.renamez"),
        (GOOD.replace("layout: json", "layout: csv"), "mappings.0.layout"),
        (
            GOOD.replace("[administrative_penalty]", "[penalty]"),
            "mappings.0.record_types.0",
        ),
        (GOOD.replace("party.name", "Party Name"), "mappings.0.renames"),
        (GOOD + "    xslt: health-licence.xsl\n", "mappings.0"),
        (
            GOOD.replace("layout: json", "layout: xml") + "    xslt: ../etc/x.xsl\n",
            "mappings.0",
        ),
        (
            GOOD.replace("layout: json", "layout: xml") + "    xslt: missing.xsl\n",
            "mappings.0.xslt",
        ),
        (GOOD + "    code_tables: {licence_category: {'1': [a, b]}}\n", "mappings.0"),
        (GOOD + "    renames: {A: party.name, B: party.name}\n", "renames"),
        (
            GOOD.replace("renames: {A: party.name}", "renames: {A: x, B: x}"),
            "mappings.0",
        ),
        (GOOD + "    constants: {party.name: y}\n", "mappings.0"),
        (GOOD + "    split: {penalty_categories: ''}\n", "mappings.0.split"),
        (
            GOOD + "    code_tables: {status: {'1': {reject: ''}}}\n",
            "mappings.0.code_tables.status.1",
        ),
        (GOOD + GOOD.split("mappings:\n")[1], "mappings"),
        (GOOD.replace("system: water", "system: river"), "system"),
        (GOOD.replace("description: test source\n", ""), "description"),
        ("system: water\n  bad: [indent\n", ""),
        ("- just\n- a list\n", ""),
    ],
)
def test_bad_mapping_file_names_file_and_key(
    tmp_path: Path, text: str, key: str
) -> None:
    with pytest.raises(MappingFileError) as caught:
        _load(tmp_path, text)
    assert caught.value.file == str(tmp_path / "water.yaml")
    assert caught.value.key.startswith(key)
    assert str(tmp_path / "water.yaml") in str(caught.value)


def test_file_for_an_unknown_system_is_refused(tmp_path: Path) -> None:
    (tmp_path / "water.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(MappingFileError) as caught:
        MappingCatalogue.load(tmp_path, known_systems={"market"})
    assert caught.value.key == "system"
