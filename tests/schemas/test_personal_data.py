"""The standard's personal-data marks, the masks, and what each disclosure policy shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemas.personal import (
    Disclosure,
    PersonalKind,
    disclose,
    fields_for,
    mask_id_number,
    mask_id_numbers_in_text,
    mask_name,
    masked_json_body,
    masked_view,
    personal_values,
)

SAMPLES = Path(__file__).parent / "samples" / "valid"
#: A resident ID number whose check character holds (the example of GB 11643).
VALID_ID = "11010519491231002X"


def _sample(record_type: str) -> dict[str, Any]:
    return json.loads((SAMPLES / f"{record_type}.json").read_text(encoding="utf-8"))


def test_the_standard_marks_natural_persons_names_and_every_id_number() -> None:
    marked = {
        record_type: sorted((f.dotted, f.kind.value) for f in fields_for(record_type))
        for record_type in ("administrative_penalty", "enterprise_registration",
                            "inspection_result", "discipline_measure", "credit_record")
    }
    assert marked == {
        "administrative_penalty": [
            ("party.id_number", "id_number"),
            ("party.legal_representative", "name"),
            ("party.legal_representative_id_number", "id_number"),
            ("party.name", "name"),
        ],
        "enterprise_registration": [("legal_representative", "name")],
        "inspection_result": [("inspectors", "name")],
        "discipline_measure": [("target.name", "name")],
        "credit_record": [],
    }


def test_the_marks_are_in_the_published_json_schema() -> None:
    schema = json.loads((Path(__file__).parents[2] / "schemas" / "json"
                         / "administrative_penalty.v1.json").read_text(encoding="utf-8"))
    party = schema["$defs"]["Party"]["properties"]
    assert party["id_number"]["x-personal"] == "id_number"
    assert party["name"]["x-personal-when"] == {"category": "自然人"}


def test_a_partys_name_is_personal_only_for_a_natural_person() -> None:
    person = _sample("administrative_penalty")
    company = {**person, "party": {"name": "上海某某有限公司", "category": "法人及非法人组织",
                                   "credit_code": "91310112087994932F",
                                   "legal_representative": "王五",
                                   "legal_representative_id_number": VALID_ID}}
    assert {(v.dotted, v.value) for v in personal_values("administrative_penalty", person)} == {
        ("party.name", "李四"), ("party.id_number", "310112199001011234")}
    assert {(v.dotted, v.value) for v in personal_values("administrative_penalty", company)} == {
        ("party.legal_representative", "王五"),
        ("party.legal_representative_id_number", VALID_ID)}


def test_each_inspector_in_a_list_is_found_by_position() -> None:
    record = {"inspectors": ["赵六", "钱七"], "credit_code": "91310112087994932F"}
    assert [(v.path, v.kind) for v in personal_values("inspection_result", record)] == [
        (("inspectors", 0), PersonalKind.NAME), (("inspectors", 1), PersonalKind.NAME)]


def test_a_malformed_payload_is_searched_without_error() -> None:
    assert personal_values("administrative_penalty", {"party": "not a block"}) == []
    # A name sent where a list belongs is still a name: found, so that it is masked.
    assert [v.value for v in personal_values("inspection_result", {"inspectors": "赵六"})] == [
        "赵六"]
    with pytest.raises(LookupError):
        personal_values("no_such_type", {})


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("310112199001011234", "310112********1234"),  # birth date 19900101 hidden
        ("310112900101123", "310112******123"),        # the older 15-digit form
        ("E12345678", "*****5678"),                    # a passport: no birth date to find
        ("123", "***"),
    ],
)
def test_an_id_number_is_masked_as_published_decisions_mask_it(number: str, masked: str) -> None:
    assert mask_id_number(number) == masked


def test_a_name_keeps_its_first_character() -> None:
    assert (mask_name("李四"), mask_name("欧阳娜娜"), mask_name("王")) == ("李*", "欧***", "*")


def test_the_text_net_masks_whatever_is_shaped_like_a_resident_id_number() -> None:
    text = (f"refused {VALID_ID}; mistyped 110105194912310021; code 91310112087994932F; "
            "order 11010519491331002X; phone 13912345678")
    assert mask_id_numbers_in_text(text) == (
        "refused 110105********002X; mistyped 110105********0021; code 91310112087994932F; "
        "order 11010519491331002X; phone 13912345678")


def test_published_disclosure_masks_id_numbers_and_keeps_names() -> None:
    penalty = _sample("administrative_penalty")
    published = disclose("administrative_penalty", penalty, Disclosure.PUBLISHED)
    assert published["party"] == {**penalty["party"], "id_number": "310112********1234"}
    assert penalty["party"]["id_number"] == "310112199001011234", "the original is untouched"
    assert disclose("administrative_penalty", penalty, Disclosure.WHOLE) is penalty


def test_the_view_masks_names_and_numbers_and_nets_free_text() -> None:
    penalty = {**_sample("administrative_penalty"), "remarks": f"申请人 {VALID_ID}"}
    view = masked_view("administrative_penalty", penalty)
    assert (view["party"]["name"], view["party"]["id_number"], view["remarks"]) == (
        "李*", "310112********1234", "申请人 110105********002X")
    assert masked_view(None, {"x": VALID_ID}) == {"x": "110105********002X"}


def test_a_body_is_masked_field_by_field_or_withheld_when_it_is_not_json() -> None:
    penalty = _sample("administrative_penalty")
    envelope = {"record_type": "administrative_penalty", "payload": penalty}
    shown = json.loads(masked_json_body(None, json.dumps(envelope).encode()) or "")
    assert shown["payload"]["party"]["id_number"] == "310112********1234"
    bare = json.loads(masked_json_body("administrative_penalty",
                                       json.dumps(penalty).encode()) or "")
    assert bare["party"]["name"] == "李*"
    assert masked_json_body("administrative_penalty", b"<xml>310112199001011234</xml>") is None
