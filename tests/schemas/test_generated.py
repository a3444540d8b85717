"""Generated JSON Schema and XSD: up to date on disk; the XSD accepts the contract's XML form."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from schemas import RECORD_TYPES, model_for
from schemas.generate import PACKAGE_DIR, render_all, stale_files
from schemas.generate.__main__ import main
from schemas.generate.xsd import NAMESPACE

NS = f"{{{NAMESPACE}}}"


def xsd(record_type: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(PACKAGE_DIR / "xsd" / f"{record_type}.v1.xsd")))


def test_generated_files_on_disk_are_up_to_date() -> None:
    # When this fails, run `python -m schemas.generate` and commit the result.
    assert stale_files() == []


def test_stale_check_notices_a_changed_file(tmp_path: Path) -> None:
    for relative, text in render_all().items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
    assert stale_files(tmp_path) == []
    target = tmp_path / "xsd" / "feedback.v1.xsd"
    target.write_text(target.read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert stale_files(tmp_path) == [Path("xsd") / "feedback.v1.xsd"]


def test_generate_check_command_exits_0_when_up_to_date() -> None:
    assert main(["--check"]) == 0


def test_there_is_one_json_schema_and_one_xsd_per_record_type() -> None:
    names = {path.name for path in render_all()}
    for record_type in RECORD_TYPES:
        assert {f"{record_type}.v1.json", f"{record_type}.v1.xsd"} <= names


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_json_schema_forbids_unknown_fields_and_describes_every_field(record_type: str) -> None:
    schema = json.loads((PACKAGE_DIR / "json" / f"{record_type}.v1.json").read_text("utf-8"))
    blocks = [schema, *schema.get("$defs", {}).values()]
    for block in blocks:
        assert block["additionalProperties"] is False
        for name, prop in block["properties"].items():
            assert re.search(r"[\u4e00-\u9fff]", prop.get("description", "")), name


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_xsd_elements_follow_model_declaration_order(record_type: str) -> None:
    tree = etree.parse(str(PACKAGE_DIR / "xsd" / f"{record_type}.v1.xsd"))
    xs = "{http://www.w3.org/2001/XMLSchema}"
    root = tree.getroot().find(f"{xs}element")
    assert root is not None and root.get("name") == record_type
    names = [e.get("name") for e in root.find(f"{xs}complexType/{xs}sequence")]
    assert names == list(model_for(record_type).model_fields)


@pytest.mark.parametrize("record_type", ["administrative_licence", "administrative_penalty"])
def test_hand_written_xml_instance_is_valid_against_its_xsd(
    xml_samples: Path, record_type: str
) -> None:
    schema = xsd(record_type)
    document = etree.parse(str(xml_samples / f"{record_type}.xml"))
    assert schema.validate(document), schema.error_log


def _broken(
    document: etree._ElementTree, change: Callable[[etree._Element], None]
) -> etree._ElementTree:
    copied = copy.deepcopy(document)
    change(copied.getroot())
    return copied


def _set(tag: str, text: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(f".//{NS}{tag}")
        assert element is not None
        element.text = text

    return change


def _swap_first_two_fields(root: etree._Element) -> None:
    first, second = root[0], root[1]
    root.remove(second)
    root.insert(0, second)
    assert root[1] is first


def _drop(tag: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        element = root.find(f"{NS}{tag}")
        assert element is not None
        root.remove(element)

    return change


def _drop_all(tag: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        for element in root.findall(f"{NS}{tag}"):
            root.remove(element)

    return change


INVALID_PENALTIES = {
    "amount with 7 decimals": _set("fine_amount", "0.2000001"),
    "negative amount": _set("fine_amount", "-1"),
    "unknown penalty category": _set("penalty_categories", "罚金"),
    "slash date": _set("decision_date", "2024/04/10"),
    "credit code with Z": _set("authority_credit_code", "91350100M000100Y4Z"),
    "fields out of order": _swap_first_two_fields,
    "mandatory field absent": _drop("decision_number"),
    "no penalty category": _drop_all("penalty_categories"),
}


@pytest.mark.parametrize("fault", list(INVALID_PENALTIES))
def test_xsd_rejects_an_invalid_penalty_instance(xml_samples: Path, fault: str) -> None:
    schema = xsd("administrative_penalty")
    document = etree.parse(str(xml_samples / "administrative_penalty.xml"))
    assert schema.validate(document)
    assert not schema.validate(_broken(document, INVALID_PENALTIES[fault]))


@pytest.mark.parametrize(
    ("tag", "text"),
    [("status", "3"), ("licence_category", "许可"), ("name", "名" * 201), ("category", "企业")],
)
def test_xsd_rejects_an_invalid_licence_instance(xml_samples: Path, tag: str, text: str) -> None:
    schema = xsd("administrative_licence")
    document = etree.parse(str(xml_samples / "administrative_licence.xml"))
    assert not schema.validate(_broken(document, _set(tag, text)))


def test_xsd_refuses_another_schema_version_attribute(xml_samples: Path) -> None:
    schema = xsd("administrative_licence")
    document = etree.parse(str(xml_samples / "administrative_licence.xml"))
    assert not schema.validate(
        _broken(document, lambda root: root.set("schema_version", "2.0"))
    )


def test_id_type_other_text_is_valid_in_the_xsd(xml_samples: Path) -> None:
    schema = xsd("administrative_penalty")
    document = etree.parse(str(xml_samples / "administrative_penalty.xml"))
    assert schema.validate(_broken(document, _set("id_type", "其他-军官证")))
    assert not schema.validate(_broken(document, _set("id_type", "驾驶证")))
