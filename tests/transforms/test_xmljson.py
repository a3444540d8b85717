"""The XML <-> dict rules written in transforms.xmljson's docstring."""

from __future__ import annotations

import datetime
import enum
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from transforms.safe_xml import parse_xml
from transforms.transform_errors import TransformError
from transforms.xmljson import UNIFIED_NAMESPACE, dict_to_xml, local_name, xml_to_dict

PARTY = {
    "name": "上海闵行示例科技有限公司",
    "category": "法人及非法人组织",
    "credit_code": "91310112087994932F",
    "legal_representative": "张伟",
}
# Unified records in JSON form (every scalar a string), with their list paths.
RECORDS: dict[str, tuple[dict[str, Any], frozenset[str]]] = {
    "administrative_licence": (
        {
            "party": PARTY,
            "decision_document_name": "食品经营许可决定书",
            "decision_document_number": "闵市监许〔2024〕118号",
            "licence_category": "普通",
            "content": "预包装食品销售",
            "decision_date": "2024-03-05",
            "valid_to": "2099-12-31",
            "status": "1",
        },
        frozenset(),
    ),
    "administrative_penalty": (
        {
            "party": PARTY,
            "decision_number": "闵环罚〔2024〕12号",
            "penalty_categories": ["没收违法所得"],
            "fine_amount": "0.000001",
            "remarks": "  两端有空格  ",
        },
        frozenset({"penalty_categories"}),
    ),
    "enterprise_registration": (
        {
            "event": "change",
            "credit_code": "91310112087994932F",
            "industry": {"code": "I6510", "edition": "2017"},
            "business_scope": {
                "licensed_items": ["食品经营"],
                "general_items": ["软件开发", "技术服务"],
            },
            "changes": [
                {
                    "item": "经营范围",
                    "before": "软件开发",
                    "after": "软件开发；食品经营",
                }
            ],
        },
        frozenset(
            {"business_scope.licensed_items", "business_scope.general_items", "changes"}
        ),
    ),
    "discipline_measure": (
        {
            "discipline_id": "D-2024-001",
            "target": {
                "name": "某公司",
                "credit_code": "91310112087994932F",
                "category": "法人及非法人组织",
            },
            "listing": {
                "department": "market",
                "list_type": "失信黑名单",
                "listed_on": "2024-01-02",
            },
            "measure": {
                "name": "限制参加政府采购",
                "legal_basis": "《政府采购法》第二十二条",
            },
            "enforcing_departments": ["construction", "tax"],
        },
        frozenset({"enforcing_departments"}),
    ),
    "feedback": (
        {
            "feedback_id": "F-1",
            "status": "rejected",
            "problems": [
                {
                    "code": "credit_code.checksum",
                    "path": "party.credit_code",
                    "message": "校验位错误",
                },
                {"code": "date.format", "path": "decision_date", "message": "日期格式"},
            ],
            "issued_at": "2024-03-05T10:00:00+08:00",
        },
        frozenset({"problems", "repairs"}),
    ),
}


@pytest.mark.parametrize("record_type", sorted(RECORDS))
@pytest.mark.parametrize("encoding", ["UTF-8", "GBK", "GB18030"])
def test_dict_to_xml_to_dict_is_identity_for_unified_records(
    record_type: str, encoding: str
) -> None:
    record, list_paths = RECORDS[record_type]
    root = parse_xml(dict_to_xml(record_type, record, encoding=encoding))
    assert local_name(root) == record_type
    assert xml_to_dict(root, list_paths=list_paths) == record


def test_round_trip_without_namespace_is_identity() -> None:
    record, list_paths = RECORDS["feedback"]
    root = parse_xml(dict_to_xml("feedback", record, namespace=""))
    assert etree.QName(root).namespace is None
    assert xml_to_dict(root, list_paths=list_paths) == record


def test_dict_to_xml_writes_root_namespace_version_and_keys_in_dict_order() -> None:
    data = {"zeta": "1", "alpha": "2", "party": {"name": "x", "category": "自然人"}}
    root = etree.fromstring(dict_to_xml("administrative_penalty", data))
    assert root.tag == f"{{{UNIFIED_NAMESPACE}}}administrative_penalty"
    assert root.attrib == {"schema_version": "1.0"}
    assert [local_name(child) for child in root] == ["zeta", "alpha", "party"]
    assert [local_name(child) for child in root[2]] == ["name", "category"]


def test_dict_to_xml_omits_none_empty_strings_lists_and_objects() -> None:
    data = {
        "a": None,
        "b": "",
        "c": "  ",
        "d": [],
        "e": {},
        "f": {"g": None},
        "h": ["x", None],
        "k": "v",
    }
    root = etree.fromstring(dict_to_xml("feedback", data))
    assert [(local_name(child), child.text) for child in root] == [
        ("h", "x"),
        ("k", "v"),
    ]


class _Status(enum.Enum):
    VALID = "1"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0.2"), "0.2"),
        (Decimal("1E+2"), "100"),
        (Decimal("0.000001"), "0.000001"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (1.5, "1.5"),
        (datetime.date(2024, 3, 5), "2024-03-05"),
        (
            datetime.datetime(2024, 3, 5, 10, 0, tzinfo=datetime.UTC),
            "2024-03-05T10:00:00+00:00",
        ),
        (_Status.VALID, "1"),
    ],
)
def test_scalars_are_written_as_their_documented_text(value: Any, text: str) -> None:
    root = etree.fromstring(dict_to_xml("feedback", {"v": value}))
    assert root[0].text == text


@pytest.mark.parametrize(
    ("data", "code", "path"),
    [
        ({"a": [["x"]]}, "xml.invalid_value", "a"),
        ({"bad key": "x"}, "xml.invalid_name", "bad key"),
        ({"party": {"名称": "x"}}, "xml.invalid_name", "party.名称"),
        ({"a": {"b": ["ok", "bell\x07"]}}, "xml.invalid_value", "a.b.1"),
        ({"a": Decimal("NaN")}, "xml.invalid_value", "a"),
        ({"a": float("inf")}, "xml.invalid_value", "a"),
        ({"a": object()}, "xml.invalid_value", "a"),
    ],
)
def test_unwritable_data_names_the_code_and_path(
    data: dict[str, Any], code: str, path: str
) -> None:
    with pytest.raises(TransformError) as caught:
        dict_to_xml("feedback", data)
    assert (caught.value.code, caught.value.path) == (code, path)


def test_gbk_output_writes_missing_characters_as_references_that_read_back() -> None:
    body = dict_to_xml("feedback", {"message": "表情😀与é"}, encoding="gb2312")
    assert body.startswith(b'<?xml version="1.0" encoding="GBK"?>')
    assert b"&#128512;" in body
    assert xml_to_dict(parse_xml(body)) == {"message": "表情😀与é"}


def test_unknown_output_encoding_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="latin-1"):
        dict_to_xml("feedback", {"a": "b"}, encoding="latin-1")


def _read(xml: str, list_paths: frozenset[str] = frozenset()) -> dict[str, Any]:
    return xml_to_dict(parse_xml(xml.encode()), list_paths=list_paths)


def _error(xml: str) -> tuple[str, str]:
    with pytest.raises(TransformError) as caught:
        _read(xml)
    return caught.value.code, caught.value.path


def test_repeated_elements_become_a_list_even_without_a_list_path() -> None:
    assert _read("<r><a>1</a><a>2</a></r>") == {"a": ["1", "2"]}


def test_list_path_forces_a_list_only_at_that_dotted_path() -> None:
    xml = "<r><a><b>1</b></a><b>2</b></r>"
    assert _read(xml, frozenset({"a.b"})) == {"a": {"b": ["1"]}, "b": "2"}


def test_empty_and_whitespace_only_elements_are_omitted_everywhere() -> None:
    xml = "<r><a/><b>  \n </b><c><d/></c><l>x</l><l/><l>y</l><e></e></r>"
    assert _read(xml, frozenset({"l", "e"})) == {"l": ["x", "y"]}


def test_leaf_text_is_kept_verbatim_and_indentation_is_ignored() -> None:
    xml = "<r>\n  <party>\n    <name> 某 公司 </name>\n  </party>\n</r>"
    assert _read(xml) == {"party": {"name": " 某 公司 "}}


def test_text_after_a_child_element_is_mixed_content_at_the_parent() -> None:
    assert _error("<r><party><name>x</name>尾巴</party></r>") == (
        "xml.mixed_content",
        "party",
    )


def test_error_in_a_repeated_element_carries_its_index() -> None:
    assert _error('<r><c>1</c><c x="1">2</c></r>') == ("xml.attribute_unknown", "c.1")


def test_plain_child_inside_namespaced_document_is_foreign() -> None:
    xml = f'<r xmlns="{UNIFIED_NAMESPACE}"><party><name xmlns="">x</name></party></r>'
    assert _error(xml) == ("xml.foreign_namespace", "party.name")


def test_namespaced_attribute_on_root_is_unknown() -> None:
    xml = (
        '<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="urn:x x.xsd"><a>1</a></r>'
    )
    assert _error(xml)[0] == "xml.attribute_unknown"


def test_root_holding_only_text_is_not_an_object() -> None:
    assert _error("<r>just text</r>") == ("body.not_an_object", "")


def test_leaf_text_split_by_a_comment_is_joined() -> None:
    # parse_xml drops comments; a tree built by other code (e.g. an XSLT) may still hold one.
    root = etree.fromstring("<r><a>one<!-- c -->two</a></r>")
    assert xml_to_dict(root) == {"a": "onetwo"}
