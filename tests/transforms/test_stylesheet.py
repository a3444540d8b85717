"""XSLT runs with file and network access denied, and the shipped stylesheet emits the unified form."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from transforms.safe_xml import parse_xml
from transforms.stylesheet import (
    STYLESHEET_DIRECTORY,
    apply_stylesheet,
    load_stylesheet,
)
from transforms.transform_errors import MappingFileError, TransformError
from transforms.xmljson import SCHEMA_VERSION, UNIFIED_NAMESPACE

XSL_HEAD = (
    '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" '
    'xmlns:exsl="http://exslt.org/common" extension-element-prefixes="exsl">'
)


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "probe.xsl"
    path.write_text(f"{XSL_HEAD}{body}</xsl:stylesheet>", encoding="utf-8")
    return path


def test_document_function_cannot_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text("<s>TOP-SECRET</s>", encoding="utf-8")
    path = _write(
        tmp_path,
        f'<xsl:template match="/"><out><xsl:value-of select="document(\'{secret.as_uri()}\')"/>'
        "</out></xsl:template>",
    )
    unrestricted = etree.XSLT(etree.parse(str(path)))
    assert "TOP-SECRET" in str(
        unrestricted(etree.fromstring(b"<r/>"))
    )  # the probe works
    with pytest.raises(TransformError) as caught:
        apply_stylesheet(load_stylesheet(path), etree.fromstring(b"<r/>"), "probe.xsl")
    assert caught.value.code == "xslt.failed"
    assert "TOP-SECRET" not in caught.value.message


def test_exsl_document_cannot_write_files(tmp_path: Path) -> None:
    target = tmp_path / "written.txt"
    path = _write(
        tmp_path,
        f'<xsl:template match="/"><exsl:document href="{target.as_uri()}" method="text">'
        "x</exsl:document><out/></xsl:template>",
    )
    with pytest.raises(TransformError) as caught:
        apply_stylesheet(load_stylesheet(path), etree.fromstring(b"<r/>"), "probe.xsl")
    assert caught.value.code == "xslt.failed"
    assert not target.exists()


def test_stylesheet_without_element_output_fails(tmp_path: Path) -> None:
    path = _write(tmp_path, '<xsl:template match="/">only text</xsl:template>')
    with pytest.raises(TransformError) as caught:
        apply_stylesheet(load_stylesheet(path), etree.fromstring(b"<r/>"), "probe.xsl")
    assert caught.value.code == "xslt.failed"


def test_terminating_message_becomes_the_error_text(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '<xsl:template match="/"><xsl:message terminate="yes">no rows</xsl:message>'
        "</xsl:template>",
    )
    with pytest.raises(TransformError, match="no rows"):
        apply_stylesheet(load_stylesheet(path), etree.fromstring(b"<r/>"), "probe.xsl")


@pytest.mark.parametrize(
    "text",
    [
        "<not-closed>",
        f'{XSL_HEAD}<xsl:template match="/"><xsl:value-of select="(("/></xsl:template></xsl:stylesheet>',
    ],
)
def test_broken_stylesheet_file_is_a_configuration_error_naming_it(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "broken.xsl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingFileError) as caught:
        load_stylesheet(path)
    assert caught.value.file == str(path)


def test_shipped_health_stylesheet_outputs_the_unified_form() -> None:
    stylesheet = load_stylesheet(STYLESHEET_DIRECTORY / "health-licence.xsl")
    row = "<ROWS><ROW><XK_XDR_MC>某诊所</XK_XDR_MC><XK_XKLB>01</XK_XKLB></ROW></ROWS>"
    out = apply_stylesheet(stylesheet, parse_xml(row.encode()), "health-licence.xsl")
    assert out.tag == f"{{{UNIFIED_NAMESPACE}}}administrative_licence"
    assert out.get("schema_version") == SCHEMA_VERSION
    assert {etree.QName(e).namespace for e in out.iter()} == {UNIFIED_NAMESPACE}
    assert (
        out.findtext(f"{{{UNIFIED_NAMESPACE}}}party/{{{UNIFIED_NAMESPACE}}}name")
        == "某诊所"
    )
