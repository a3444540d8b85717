"""The hardened parser: hostile documents are refused and, even past the DOCTYPE check, the
parser itself resolves, expands and fetches nothing; encoding labels are checked against bytes."""

from __future__ import annotations

import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree

from transforms.safe_xml import hardened_parser, parse_xml
from transforms.transform_errors import TransformError


def _code(body: bytes, transport_charset: str | None = None) -> str:
    with pytest.raises(TransformError) as caught:
        parse_xml(body, transport_charset=transport_charset)
    return caught.value.code


class _CountingServer:
    """A loopback HTTP server that records every path requested from it."""

    def __init__(self) -> None:
        requested: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                requested.append(self.path)
                body = b'<!ENTITY secret "FETCHED-FROM-NETWORK">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.requested = requested
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def server() -> Iterator[_CountingServer]:
    running = _CountingServer()
    yield running
    running.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    return path


def test_counting_server_does_record_requests(server: _CountingServer) -> None:
    # Without this the "no request was made" assertions below could pass vacuously.
    urllib.request.urlopen(f"{server.url}/probe").read()  # loopback test server
    assert server.requested == ["/probe"]


def test_xxe_file_entity_is_refused_and_file_content_never_appears(
    secret_file: Path,
) -> None:
    body = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]>'
        "<r>&x;</r>"
    ).encode()
    with pytest.raises(TransformError) as caught:
        parse_xml(body)
    assert caught.value.code == "xml.doctype_forbidden"
    assert "TOP-SECRET" not in str(caught.value)


def test_parser_itself_leaves_external_file_entity_unresolved(
    secret_file: Path,
) -> None:
    body = (
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]><r><v>&x;</v></r>'
    ).encode()
    root = etree.fromstring(body, hardened_parser())
    assert "TOP-SECRET" not in etree.tostring(root, encoding="unicode")
    assert isinstance(root.find("v")[0], etree._Entity)


def test_parser_itself_does_not_expand_billion_laughs() -> None:
    levels = "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    body = f'<!DOCTYPE r [<!ENTITY l0 "lol">{levels}]><r>&l9;</r>'.encode()
    assert _code(body) == "xml.doctype_forbidden"
    try:
        root = etree.fromstring(body, hardened_parser())
    except etree.XMLSyntaxError as e:
        # libxml2's own amplification guard may refuse the document: also not an expansion.
        assert "amplification" in str(e)
    else:
        assert len(etree.tostring(root)) < 100


def _parse_unchecked(body: bytes) -> str:
    """Parse with the hardened parser alone (bypassing the DOCTYPE check); the tree as text."""
    try:
        return etree.tostring(
            etree.fromstring(body, hardened_parser()), encoding="unicode"
        )
    except etree.XMLSyntaxError as e:
        return f"error: {e}"


def test_external_dtd_and_parameter_entities_fetch_nothing(
    server: _CountingServer,
) -> None:
    external = f'<!DOCTYPE r SYSTEM "{server.url}/evil.dtd"><r>&secret;</r>'.encode()
    parameter = (
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{server.url}/p.dtd"> %p;]><r>&secret;</r>'
    ).encode()
    for body in (external, parameter):
        assert _code(body) == "xml.doctype_forbidden"
        assert "FETCHED-FROM-NETWORK" not in _parse_unchecked(body)
    assert server.requested == []


def test_local_external_dtd_is_not_read_for_entities_or_default_attributes(
    tmp_path: Path,
) -> None:
    dtd = tmp_path / "defs.dtd"
    dtd.write_text(
        '<!ENTITY e "FROM-DTD"><!ATTLIST r injected CDATA "FROM-DTD">', encoding="utf-8"
    )
    body = f'<!DOCTYPE r SYSTEM "{dtd.as_uri()}"><r>&e;</r>'.encode()
    assert _code(body) == "xml.doctype_forbidden"
    root = etree.fromstring(body, hardened_parser())
    # lxml's get() falls back to defaults of a DTD libxml2 has read, so None proves the file
    # was never read (it was read when the parser set collect_ids=False).
    assert root.get("injected") is None
    assert "FROM-DTD" not in etree.tostring(root, encoding="unicode")


def test_stylesheet_processing_instruction_is_dropped_and_not_fetched(
    server: _CountingServer,
) -> None:
    body = (
        f'<?xml version="1.0"?><?xml-stylesheet type="text/xsl" href="{server.url}/x.xsl"?>'
        "<r><?app hint?><a>1</a></r>"
    ).encode()
    root = parse_xml(body)
    assert [child.tag for child in root] == ["a"]
    assert root.getprevious() is None
    assert server.requested == []


def test_undefined_entity_is_malformed_with_position() -> None:
    with pytest.raises(TransformError) as caught:
        parse_xml(b"<r>\n  <a>&nope;</a></r>")
    assert caught.value.code == "xml.malformed"
    assert caught.value.message.startswith("line 2, column")


def test_declaration_after_whitespace_is_malformed() -> None:
    assert _code(b' <?xml version="1.0"?><r/>') == "xml.malformed"


def test_garbled_declaration_is_malformed() -> None:
    assert _code(b'<?xml version=1.0 encoding="UTF-8"?><r/>') == "xml.malformed"


def test_gbk_label_on_utf8_bytes_that_also_decode_as_gbk_is_caught() -> None:
    text = "<r>国中</r>"
    assert text.encode("utf-8").decode(
        "gbk"
    )  # precondition: decoding alone would not notice
    body = b'<?xml version="1.0" encoding="GBK"?>' + text.encode("utf-8")
    assert _code(body) == "xml.encoding_mismatch"


def test_genuine_gbk_that_looks_like_two_byte_utf8_is_accepted() -> None:
    name = "司司"
    assert name.encode("gbk").decode("utf-8")  # precondition: also valid (2-byte) UTF-8
    body = f'<?xml version="1.0" encoding="GBK"?><r>{name}</r>'.encode("gbk")
    assert parse_xml(body).text == name


def test_transport_charset_alone_decides_when_there_is_no_declaration() -> None:
    body = "<r>闵行区</r>".encode("gbk")
    assert parse_xml(body, transport_charset="GBK").text == "闵行区"


def test_gb2312_transport_label_agrees_with_gbk_declaration() -> None:
    body = '<?xml version="1.0" encoding="GBK"?><r>闵行〔区〕</r>'.encode("gbk")
    assert parse_xml(body, transport_charset="GB2312").text == "闵行〔区〕"


def test_gbk_and_gb18030_labels_are_different_encodings() -> None:
    body = '<?xml version="1.0" encoding="GB18030"?><r>闵行</r>'.encode("gb18030")
    assert _code(body, transport_charset="GBK") == "xml.encoding_mismatch"


def test_byte_order_mark_contradicting_gbk_declaration_is_a_mismatch() -> None:
    body = b"\xef\xbb\xbf" + b'<?xml version="1.0" encoding="GBK"?><r>x</r>'
    assert _code(body) == "xml.encoding_mismatch"


def test_unknown_transport_charset_is_unsupported() -> None:
    assert (
        _code(b"<r>x</r>", transport_charset="iso-8859-1") == "xml.encoding_unsupported"
    )


def test_error_lines_count_from_the_original_document() -> None:
    body = '<?xml version="1.0" encoding="GBK"?>\n<r>\n<a>闵</b>\n</r>'.encode("gbk")
    with pytest.raises(TransformError) as caught:
        parse_xml(body)
    assert caught.value.message.startswith("line 3,")
