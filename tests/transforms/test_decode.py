"""decode_record / encode_record: content types, the pipeline order, and no escaping exceptions."""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from transforms import MappingCatalogue, TransformError, decode_record, encode_record
from transforms.decode import parse_content_type

PENALTY_LISTS = frozenset({"penalty_categories"})


def _decode(
    body: bytes,
    content_type: str | None,
    catalogue: MappingCatalogue | None = None,
    source: str = "market",
) -> dict:
    return decode_record(
        body,
        content_type,
        source=source,
        record_type="administrative_penalty",
        list_paths=PENALTY_LISTS,
        catalogue=catalogue or MappingCatalogue.empty(),
    )


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", ("json", None)),
        ('Application/JSON; Charset="GB18030"', ("json", "GB18030")),
        ("text/xml; charset=gbk; boundary=x", ("xml", "gbk")),
        ("application/xml;charset=", ("xml", None)),
    ],
)
def test_content_type_gives_layout_and_charset(
    content_type: str, expected: tuple
) -> None:
    assert parse_content_type(content_type, b"") == expected


@pytest.mark.parametrize(
    ("body", "layout"),
    [(b' \n{"a": 1}', "json"), (b"\xef\xbb\xbf<r/>", "xml"), (b"[1]", "json")],
)
def test_missing_content_type_is_sniffed_from_the_first_character(
    body: bytes, layout: str
) -> None:
    assert parse_content_type(None, body) == (layout, None)


def test_body_that_is_neither_json_nor_xml_without_content_type_is_refused() -> None:
    with pytest.raises(TransformError) as caught:
        _decode(b"decision_number=1", None)
    assert caught.value.code == "body.content_type_unsupported"


def test_xml_list_paths_are_applied() -> None:
    body = b"<administrative_penalty><penalty_categories>x</penalty_categories></administrative_penalty>"
    assert _decode(body, "application/xml") == {"penalty_categories": ["x"]}


def test_source_mapping_runs_after_decoding_when_catalogue_has_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "water.yaml").write_text(
        "system: water\ndescription: t\nmappings:\n"
        "  - record_types: [administrative_penalty]\n    layout: json\n"
        "    renames: {WSH: decision_number}\n",
        encoding="utf-8",
    )
    catalogue = MappingCatalogue.load(tmp_path)
    body = '{"WSH": "闵水罚〔2024〕1号"}'.encode()
    assert _decode(body, "application/json", catalogue, "water") == {
        "decision_number": "闵水罚〔2024〕1号"
    }
    # Another source, or no mapping at all, leaves the keys alone.
    assert _decode(body, "application/json", catalogue, "market") == {
        "WSH": "闵水罚〔2024〕1号"
    }


def test_json_nan_is_malformed_and_deep_nesting_too_deep() -> None:
    # Deep nesting was json.malformed before the strict reader gave it its own code.
    for body, code in (
        (b'{"fine_amount": NaN}', "json.malformed"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "json.too_deep"),
    ):
        with pytest.raises(TransformError) as caught:
            _decode(body, "application/json")
        assert caught.value.code == code


def test_encode_json_is_utf8_unescaped_with_decimals_and_dates_as_strings() -> None:
    record = {
        "party": {"name": "闵行"},
        "fine_amount": Decimal("0.20"),
        "decision_date": datetime.date(2024, 2, 1),
    }
    body = encode_record(record, "administrative_penalty", "json")
    assert "闵行".encode() in body
    assert json.loads(body) == {
        "party": {"name": "闵行"},
        "fine_amount": "0.20",
        "decision_date": "2024-02-01",
    }


def test_encode_json_refuses_values_json_cannot_carry() -> None:
    for value in (float("nan"), object()):
        with pytest.raises(TransformError) as caught:
            encode_record({"a": value}, "feedback", "json")
        assert caught.value.code == "json.invalid_value"


def test_encoded_xml_decodes_back_to_the_same_record() -> None:
    record = {
        "decision_number": "闵环罚〔2024〕12号",
        "penalty_categories": ["警告", "罚款"],
    }
    for encoding in ("UTF-8", "GBK"):
        body = encode_record(record, "administrative_penalty", "xml", encoding=encoding)
        assert _decode(body, "application/xml") == record


def test_unknown_output_format_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="csv"):
        encode_record({}, "feedback", "csv")


def test_random_bytes_only_ever_raise_transform_error() -> None:
    rng = random.Random(20240305)
    seeds = [
        b"<administrative_penalty><a>1</a></administrative_penalty>",
        b'{"a": [1, {"b": 2}]}',
    ]
    for _ in range(400):
        body = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 6)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        for content_type in ("application/xml", "application/json", None):
            try:
                result = _decode(bytes(body), content_type)
            except TransformError:
                continue
            assert isinstance(result, dict)


@pytest.mark.parametrize(
    ("source", "record_type", "body"),
    [
        # health maps its own XML layout through an XSLT: the DOCTYPE names its own root.
        ("health", "administrative_licence",
         b'<?xml version="1.0"?><!DOCTYPE ROWS [<!ENTITY x "y">]><ROWS><ROW>&x;</ROW></ROWS>'),
        # no mapping: the unified layout.
        ("market", "administrative_licence",
         b"<!DOCTYPE administrative_licence><administrative_licence/>"),
        # environment is mapped as sending JSON: a DOCTYPE is still refused as such first.
        ("environment", "administrative_penalty", b"<!DOCTYPE x SYSTEM 'x.dtd'><x/>"),
        # a byte-order mark, a declaration and a comment before the DOCTYPE.
        ("environment", "administrative_penalty",
         b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c --><!DOCTYPE x><x/>'),
    ],
)
@pytest.mark.parametrize("content_type", ["application/xml", None])
def test_a_doctype_is_refused_as_such_whatever_the_root_or_the_sources_layout(
    source: str, record_type: str, body: bytes, content_type: str | None
) -> None:
    with pytest.raises(TransformError) as caught:
        decode_record(body, content_type, source=source, record_type=record_type,
                      list_paths=frozenset(), catalogue=MappingCatalogue.load())
    assert caught.value.code == "xml.doctype_forbidden"


def test_xml_without_doctype_for_a_json_mapped_source_is_still_a_layout_mismatch() -> None:
    with pytest.raises(TransformError) as caught:
        decode_record(b"<x/>", "application/xml", source="environment",
                      record_type="administrative_penalty", list_paths=frozenset(),
                      catalogue=MappingCatalogue.load())
    assert caught.value.code == "mapping.layout_mismatch"
