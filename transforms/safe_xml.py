"""Hardened XML parsing for documents that arrive from outside the hub.

Contract of `parse_xml(body, transport_charset=None)`: returns the root element of a
well-formed document, or raises `TransformError`; nothing else escapes for bad input.

Hostile-input policy (each rule is tested with a real hostile document):

* DOCTYPE: any document type declaration is rejected outright with `xml.doctype_forbidden`,
  *before* libxml2 sees the document. The unified form never needs a DTD, and refusing it closes
  XXE (external entities such as ``file:///etc/passwd``), external DTD fetches, parameter
  entities and entity-expansion bombs (billion laughs) in one rule.
* Defence in depth: the parser itself is also configured never to resolve entities, load a DTD,
  fill default attributes or touch the network, and keeps libxml2's size limits (no huge_tree:
  depth 256, text nodes up to 10 MB). Without a DTD the only entities are the five predefined
  ones and character references; any other ``&name;`` is malformed.
* Attributes: at most `MAX_ATTRIBUTES_PER_ELEMENT` on one element and
  `MAX_ATTRIBUTES_PER_DOCUMENT` in the whole document, else `xml.too_many_attributes` naming
  the element and its line. The unified form carries one attribute (``schema_version`` on the
  root) and sources' own layouts a few per element; the cap keeps every later step (lxml's
  attribute access is linear per lookup, so a loop over values is quadratic in the count, and
  XSLT) bounded whatever a sender writes. Counting is one pass over the tree, linear.
* Processing instructions other than the XML declaration are *ignored* (dropped by the parser).
  Legacy exporters write ``<?xml-stylesheet ...?>`` and similar; the hub never acts on them, so
  refusing those documents would only cost departments a fix with no security gain. Comments are
  dropped too, and CDATA sections become ordinary text.

Encoding policy (see `transforms.charsets` for the accepted set and the UTF-8 heuristic):

* Labels come from a UTF-8 byte-order mark, the XML declaration, and the transport charset (the
  ``charset`` parameter of the AMQP content type, passed by the caller). Every label present must
  name an accepted encoding (else `xml.encoding_unsupported`) and all must name the *same* one
  after aliasing (GB2312 = GBK; GBK and GB18030 are different labels) else
  `xml.encoding_mismatch`. With no label at all the XML default, UTF-8, applies.
* The bytes must then really be in that encoding, else `xml.encoding_mismatch`. UTF-16/UTF-32
  documents are `xml.encoding_unsupported`.
* Malformed documents give `xml.malformed` with the line and column in the message.
"""

from __future__ import annotations

import re

from lxml import etree

from transforms.charsets import UTF8, CharsetMismatch, canonical_charset, decode_checked
from transforms.transform_errors import TransformError

_WS = rb"[ \t\r\n]"
_DECLARATION = re.compile(
    rb"<\?xml" + _WS + rb"+version" + _WS + rb"*=" + _WS + rb"*([\"'])1\.[0-9]+\1"
    rb"(?:"
    + _WS
    + rb"+encoding"
    + _WS
    + rb"*="
    + _WS
    + rb"*([\"'])([A-Za-z][A-Za-z0-9._-]*)\2)?"
    rb"(?:"
    + _WS
    + rb"+standalone"
    + _WS
    + rb"*="
    + _WS
    + rb"*([\"'])(?:yes|no)\4)?"
    + _WS
    + rb"*\?>"
)
# What may precede a DOCTYPE in the prolog: whitespace, comments and processing instructions.
_PROLOG_ITEM = re.compile(r"\s+|<!--.*?-->|<\?.*?\?>", re.DOTALL)
_UTF8_BOM = b"\xef\xbb\xbf"
# libxml2 appends ", line N, column M" to its messages; the position is reported separately.
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")


def parse_xml(body: bytes, *, transport_charset: str | None = None) -> etree._Element:
    """Parse untrusted XML bytes safely and return the root element (see module docstring)."""
    text = decode_document(body, transport_charset)
    _reject_doctype(text)
    try:
        root = etree.fromstring(text.encode(UTF8), hardened_parser())
    except etree.XMLSyntaxError as e:
        line, column = e.position
        reason = _POSITION_SUFFIX.sub("", e.msg)
        raise TransformError(
            "xml.malformed", f"line {line}, column {column}: {reason}"
        ) from e
    if root.getroottree().docinfo.internalDTD is not None:
        # Unreachable while _reject_doctype holds; kept so a gap there cannot go unnoticed.
        raise TransformError("xml.doctype_forbidden", "the document carries a DTD")
    check_attribute_counts(root)
    return root


#: At most this many attributes on one element (the unified form needs one, on its root).
MAX_ATTRIBUTES_PER_ELEMENT = 64
#: At most this many attributes in one document, all elements together.
MAX_ATTRIBUTES_PER_DOCUMENT = 1024


def check_attribute_counts(root: etree._Element) -> None:
    """Raise `xml.too_many_attributes` when an element, or the document, holds more attributes
    than the caps allow. Linear in elements plus attributes: ``len(attrib)`` walks one
    element's attribute list once and no value is read."""
    total = 0
    for element in root.iter():
        count = len(element.attrib)
        if not count:
            continue
        total += count
        if count > MAX_ATTRIBUTES_PER_ELEMENT:
            raise TransformError(
                "xml.too_many_attributes",
                f"element <{etree.QName(element).localname}> on line {element.sourceline} has "
                f"{count} attributes; at most {MAX_ATTRIBUTES_PER_ELEMENT} are accepted per element",
            )
        if total > MAX_ATTRIBUTES_PER_DOCUMENT:
            raise TransformError(
                "xml.too_many_attributes",
                f"more than {MAX_ATTRIBUTES_PER_DOCUMENT} attributes in the document (the cap was "
                f"passed at <{etree.QName(element).localname}> on line {element.sourceline})",
            )


#: The parser options every XML parse of untrusted input uses (no entities, DTDs or network).
HARDENED_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "no_network": True,
    "huge_tree": False,
    "remove_pis": True,
    "remove_comments": True,
    "strip_cdata": True,
    "recover": False,
}


def hardened_parser() -> etree.XMLParser:
    """A fresh libxml2 parser that never resolves entities, loads DTDs or uses the network.

    A new parser per document: lxml parsers must not be shared between threads.
    ``collect_ids`` is deliberately left at its default: with lxml 6 / libxml2 2.14,
    ``collect_ids=False`` makes libxml2 open a document's external DTD file (seen with
    strace; the test suite checks that no DTD is read).
    """
    return etree.XMLParser(**HARDENED_OPTIONS)


def decode_document(body: bytes, transport_charset: str | None = None) -> str:
    """Decode an XML document to text after checking its encoding labels against its bytes.

    The XML declaration is replaced by spaces of the same length, so the text can be handed to
    libxml2 as UTF-8 while line and column numbers in error messages still match the original.
    """
    has_bom = body.startswith(_UTF8_BOM)
    data = body[len(_UTF8_BOM) :] if has_bom else body
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        raise TransformError(
            "xml.encoding_unsupported",
            "UTF-16/UTF-32 documents are not accepted; use UTF-8",
        )
    declared, declaration_length = _read_declaration(data)
    labels: list[tuple[str, str]] = []
    if has_bom:
        labels.append(("the byte-order mark", "UTF-8"))
    if declared is not None:
        labels.append(("the XML declaration", declared))
    if transport_charset:
        labels.append(("the transport charset", transport_charset))
    codec, label = _agree(labels)
    try:
        text = decode_checked(data, codec, label)
    except CharsetMismatch as e:
        raise TransformError("xml.encoding_mismatch", str(e)) from e
    return " " * declaration_length + text[declaration_length:]


def _read_declaration(data: bytes) -> tuple[str | None, int]:
    """The encoding label in the XML declaration (None if absent) and the declaration's length."""
    if not (data.startswith(b"<?xml") and data[5:6] in (b" ", b"\t", b"\r", b"\n")):
        return None, 0
    match = _DECLARATION.match(data)
    if match is None:
        raise TransformError(
            "xml.malformed", "line 1, column 1: malformed XML declaration"
        )
    label = match.group(3)
    return (label.decode("ascii") if label else None), match.end()


def _agree(labels: list[tuple[str, str]]) -> tuple[str, str]:
    """The one codec all encoding labels name, and the label to quote in messages."""
    if not labels:
        return UTF8, "UTF-8 (the XML default, as no encoding is declared)"
    codecs: list[tuple[str, str, str]] = []
    for where, label in labels:
        codec = canonical_charset(label)
        if codec is None:
            raise TransformError(
                "xml.encoding_unsupported",
                f"{where} names {label!r}; accepted encodings are UTF-8, GBK and GB18030",
            )
        codecs.append((where, label, codec))
    first_where, first_label, first_codec = codecs[0]
    for where, label, codec in codecs[1:]:
        if codec != first_codec:
            raise TransformError(
                "xml.encoding_mismatch",
                f"{first_where} says {first_label} but {where} says {label}",
            )
    return first_codec, first_label


def refuse_doctype(body: bytes) -> None:
    """Raise xml.doctype_forbidden when the XML ``body`` has a DOCTYPE, before anything else.

    For callers that must refuse a DTD before other checks (the source mapping's layout, the
    encoding): the prolog is read on the raw bytes, which works for every accepted encoding as
    UTF-8, GBK and GB18030 all write ASCII as ASCII (latin-1 maps each byte to one character,
    so lines and positions stay those of the bytes).
    """
    _reject_doctype(body.removeprefix(_UTF8_BOM).decode("latin-1"))


def _reject_doctype(text: str) -> None:
    """Raise xml.doctype_forbidden when the prolog holds a document type declaration."""
    position = 0
    while (
        match := _PROLOG_ITEM.match(text, position)
    ) is not None and match.end() > position:
        position = match.end()
    if text[position : position + 9].upper() == "<!DOCTYPE":
        line = text.count("\n", 0, position) + 1
        raise TransformError(
            "xml.doctype_forbidden",
            f"line {line}: DOCTYPE declarations are not accepted (the unified form needs no DTD)",
        )
