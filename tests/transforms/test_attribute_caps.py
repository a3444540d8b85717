"""The attribute caps of transforms.safe_xml: a document over them is refused with
``xml.too_many_attributes`` whoever sent it and wherever the attributes are; a document at the
caps decodes exactly as it would without its attributes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from transforms.decode import decode_record
from transforms.mapping_catalogue import MappingCatalogue
from transforms.safe_xml import (
    MAX_ATTRIBUTES_PER_DOCUMENT,
    MAX_ATTRIBUTES_PER_ELEMENT,
    parse_xml,
)
from transforms.transform_errors import TransformError

GOLDEN = Path(__file__).with_name("golden")
HEALTH_ROW = (GOLDEN / "xslt_health_licence" / "input.xml").read_bytes()  # GBK, one <ROW>
HEALTH_EXPECTED = json.loads((GOLDEN / "xslt_health_licence" / "expected.json").read_text("utf-8"))
CATALOGUE = MappingCatalogue.load()


def attributes(count: int, prefix: str = "a") -> bytes:
    return b" ".join(f'{prefix}{i}="x"'.encode() for i in range(count))


def with_attributes(body: bytes, tag: bytes, count: int) -> bytes:
    """``body`` with ``count`` attributes added to its first ``<tag>`` start tag."""
    return body.replace(b"<" + tag + b">", b"<" + tag + b" " + attributes(count) + b">", 1)


def decode_health(body: bytes) -> dict:
    return decode_record(body, "application/xml", source="health",
                         record_type="administrative_licence", list_paths=frozenset(),
                         catalogue=CATALOGUE)


def unified(attributes_on_party: bytes = b"", attributes_on_root: bytes = b"") -> bytes:
    return (b'<administrative_licence schema_version="1.0" ' + attributes_on_root
            + b"><party " + attributes_on_party + b"><name>x</name></party>"
            + b"</administrative_licence>")


@pytest.mark.parametrize("where", ["root", "child"])
def test_one_attribute_over_the_per_element_cap_is_refused_on_the_root_and_below(
    where: str,
) -> None:
    over = attributes(MAX_ATTRIBUTES_PER_ELEMENT)  # the root also has schema_version: one over
    body = unified(attributes_on_root=over) if where == "root" else unified(
        attributes_on_party=attributes(MAX_ATTRIBUTES_PER_ELEMENT + 1))
    with pytest.raises(TransformError) as refused:
        parse_xml(body)
    assert refused.value.code == "xml.too_many_attributes"
    name = "administrative_licence" if where == "root" else "party"
    assert f"<{name}> on line 1 has {MAX_ATTRIBUTES_PER_ELEMENT + 1} attributes" in refused.value.message


@pytest.mark.parametrize("tag", [b"ROWS", b"ROW", b"XK_XDR_MC"])
def test_100k_attributes_are_refused_before_the_sources_stylesheet_runs(tag: bytes) -> None:
    with pytest.raises(TransformError) as refused:
        decode_health(with_attributes(HEALTH_ROW, tag, 100_000))
    assert refused.value.code == "xml.too_many_attributes"


def test_a_document_at_the_per_element_cap_decodes_as_it_would_without_them() -> None:
    # health's stylesheet reads no attribute: 64 on its ROW change nothing in the record.
    body = with_attributes(HEALTH_ROW, b"ROW", MAX_ATTRIBUTES_PER_ELEMENT)
    assert len(parse_xml(body).find("ROW").attrib) == MAX_ATTRIBUTES_PER_ELEMENT
    assert decode_health(body) == HEALTH_EXPECTED


def _spread(total: int) -> bytes:
    """The health row with ``total`` attributes spread over its column elements, at most the
    per-element cap on each."""
    body = HEALTH_ROW
    columns = re.findall(rb"<(XK_[A-Z_]+)>", body)
    left = total
    for column in columns:
        count = min(left, MAX_ATTRIBUTES_PER_ELEMENT)
        body = with_attributes(body, column, count)
        left -= count
        if not left:
            return body
    raise AssertionError("not enough elements to spread the attributes over")


def test_the_per_document_cap_counts_every_element_together() -> None:
    assert decode_health(_spread(MAX_ATTRIBUTES_PER_DOCUMENT)) == HEALTH_EXPECTED
    with pytest.raises(TransformError) as refused:
        decode_health(_spread(MAX_ATTRIBUTES_PER_DOCUMENT + 1))
    assert refused.value.code == "xml.too_many_attributes"
    assert f"more than {MAX_ATTRIBUTES_PER_DOCUMENT} attributes" in refused.value.message
