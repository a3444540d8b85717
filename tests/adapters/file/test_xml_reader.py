"""XML batches: one document per record element, hardened parsing, encodings agreed."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from adapters.file.file_rows import FileUnusable
from adapters.file.xml_reader import XmlRows
from tests.hub.conftest import RECORDS
from transforms.decode import decode_record
from transforms.mapping_catalogue import MappingCatalogue

UNIFIED = (RECORDS / "licence.xml").read_text(encoding="utf-8").split("?>", 1)[1].strip()


def _batch(records: list[str], *, declaration: str = '<?xml version="1.0" encoding="UTF-8"?>',
           root: str = "batch") -> str:
    return f"{declaration}\n<{root}>\n" + "\n".join(records) + f"\n</{root}>\n"


def test_each_record_element_becomes_a_document_the_pipeline_decodes(tmp_path: Path) -> None:
    path = tmp_path / "b.xml"
    second = UNIFIED.replace("JY23101120012345", "JY23101120012346")
    path.write_text(_batch([UNIFIED, second]), encoding="utf-8")
    rows = list(XmlRows(path, record_element="administrative_licence").rows())
    assert [r.number for r in rows] == [1, 2]
    assert all(isinstance(r.value, bytes) for r in rows)
    record = decode_record(
        rows[1].value, "application/xml; charset=utf-8",  # type: ignore[arg-type]
        source="market", record_type="administrative_licence", list_paths=frozenset(),
        catalogue=MappingCatalogue.load(None),
    )
    assert record["licence_number"] == "JY23101120012346"
    assert record["party"]["name"] == "上海闵行示例餐饮有限公司"


def test_a_gbk_batch_is_decoded_and_each_row_wrapped_for_its_sources_stylesheet(
    tmp_path: Path,
) -> None:
    path = tmp_path / "health.xml"
    rows = [f"<ROW><XK_XDR_MC>医院{n}</XK_XDR_MC><XK_BZ/></ROW>" for n in range(3)]
    path.write_bytes(
        _batch(rows, declaration='<?xml version="1.0" encoding="GBK"?>', root="ROWS").encode("gbk"))
    got = list(XmlRows(path, record_element="ROW", wrap="ROWS").rows())
    root = etree.fromstring(got[2].value)
    assert root.tag == "ROWS" and len(root) == 1
    assert root.findtext("ROW/XK_XDR_MC") == "医院2"


def test_a_configured_encoding_must_agree_with_the_declaration(tmp_path: Path) -> None:
    path = tmp_path / "b.xml"
    path.write_text(_batch([UNIFIED]), encoding="utf-8")
    with pytest.raises(FileUnusable) as caught:
        list(XmlRows(path, record_element="administrative_licence", encoding="gbk").rows())
    assert caught.value.problem.code == "adapter.encoding"
    assert "the XML declaration says UTF-8 but the configured encoding says GBK" in str(
        caught.value)


def test_utf8_bytes_under_a_gbk_declaration_are_an_encoding_problem(tmp_path: Path) -> None:
    path = tmp_path / "b.xml"
    path.write_bytes(_batch([UNIFIED], declaration='<?xml version="1.0" encoding="GBK"?>')
                     .encode("utf-8"))
    with pytest.raises(FileUnusable) as caught:
        list(XmlRows(path, record_element="administrative_licence").rows())
    assert caught.value.problem.code == "adapter.encoding"


def test_a_doctype_is_refused_before_the_parser_sees_it(tmp_path: Path) -> None:
    path = tmp_path / "xxe.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE b [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    "\n<b><ROW>&x;</ROW></b>", encoding="utf-8")
    with pytest.raises(FileUnusable) as caught:
        list(XmlRows(path, record_element="ROW").rows())
    assert caught.value.problem.code == "adapter.malformed"
    assert "line 2: DOCTYPE" in caught.value.problem.message


def test_a_truncated_batch_yields_its_whole_records_then_fails_at_the_break(
    tmp_path: Path,
) -> None:
    path = tmp_path / "b.xml"
    text = _batch([f"<ROW><A>{n}</A></ROW>" for n in range(5)])
    path.write_text(text[: text.index("<A>4")], encoding="utf-8")
    reader = XmlRows(path, record_element="ROW").rows()
    got = []
    with pytest.raises(FileUnusable) as caught:
        for row in reader:
            got.append(row.number)
    assert got == [1, 2, 3, 4]
    assert caught.value.problem.code == "adapter.malformed"
    assert "after 4 whole records" in caught.value.problem.message


def test_a_batch_without_the_record_element_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.xml"
    path.write_text(_batch(["<other/>"]), encoding="utf-8")
    with pytest.raises(FileUnusable, match="no <ROW> element"):
        list(XmlRows(path, record_element="ROW").rows())


def test_records_are_found_by_local_name_and_keep_their_namespace(tmp_path: Path) -> None:
    path = tmp_path / "b.xml"
    path.write_text('<b:batch xmlns:b="urn:x"><b:ROW><b:A>1</b:A></b:ROW></b:batch>',
                    encoding="utf-8")
    (row,) = XmlRows(path, record_element="ROW").rows()
    assert etree.fromstring(row.value).tag == "{urn:x}ROW"


def test_a_large_batch_streams_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_text(_batch([f"<ROW><A>{'值' * 50}{n}</A></ROW>" for n in range(5000)]),
                    encoding="utf-8")
    reader = XmlRows(path, record_element="ROW")
    fractions = [reader.progress() for _ in reader.rows()]
    assert len(fractions) == 5000
    assert fractions[0] is not None and fractions[0] < 0.2 and fractions[-1] == 1.0
