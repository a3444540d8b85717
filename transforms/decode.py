"""The one entry point from message bytes to a record in unified field names, and back.

`decode_record` runs, in order: the content type decides JSON or XML; an XML body with a DOCTYPE
is refused (``xml.doctype_forbidden``) before anything else; JSON is decoded by
`transforms.json_body`; XML goes through `transforms.safe_xml`, then the source's XSLT if its
mapping declares one, then the root is checked to be the record type and `xml_to_dict` converts
it; finally the source's field mapping, if the catalogue has one for (source, record_type). The
result is *not* validated here: that is the schema layer's job.

Content types: ``application/json``, ``application/xml`` and ``text/xml``, with an optional
``charset`` parameter (UTF-8, GBK, GB18030; GB2312 read as GBK). Without a content type the
body is sniffed: after an optional UTF-8 byte-order mark and whitespace, ``{`` or ``[`` means JSON
and ``<`` means XML, because many AMQP publishers leave the property empty.
"""

from __future__ import annotations

from typing import Any, Literal

from transforms.apply_mapping import apply_mapping
from transforms.json_body import decode_json, encode_json
from transforms.mapping_catalogue import MappingCatalogue
from transforms.safe_xml import parse_xml, refuse_doctype
from transforms.stylesheet import apply_stylesheet
from transforms.transform_errors import TransformError
from transforms.xmljson import dict_to_xml, local_name, xml_to_dict

Layout = Literal["json", "xml"]
_MEDIA_TYPES: dict[str, Layout] = {
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}


def decode_record(
    body: bytes,
    content_type: str | None,
    *,
    source: str,
    record_type: str,
    list_paths: frozenset[str],
    catalogue: MappingCatalogue,
) -> dict[str, Any]:
    """Decode one message body into a record dict in unified field names.

    `source` is the sending system's id, `list_paths` the unified list fields of `record_type`
    (dotted, no indices). Raises TransformError, and nothing else, for any bad body.
    """
    layout, charset = parse_content_type(content_type, body)
    if layout == "xml":
        # A DTD is refused as such whatever the source's layout: the security refusal is the
        # reason the source must see, not a layout mismatch.
        refuse_doctype(body)
    loaded = catalogue.find(source, record_type)
    if loaded is not None and loaded.mapping.layout != layout:
        raise TransformError(
            "mapping.layout_mismatch",
            f"{source} is mapped as sending {loaded.mapping.layout} {record_type} records, "
            f"but this body is {layout}",
        )
    if layout == "json":
        record = decode_json(body, charset)
    else:
        root = parse_xml(body, transport_charset=charset)
        if loaded is not None and loaded.stylesheet is not None:
            root = apply_stylesheet(
                loaded.stylesheet, root, loaded.stylesheet_name or ""
            )
        if local_name(root) != record_type:
            raise TransformError(
                "xml.root_mismatch",
                f"root element is <{local_name(root)}>, expected <{record_type}>",
            )
        record = xml_to_dict(root, list_paths=list_paths)
    if loaded is not None:
        record = apply_mapping(record, loaded.mapping)
    return record


def encode_record(
    record: dict[str, Any], record_type: str, fmt: str, *, encoding: str = "UTF-8"
) -> bytes:
    """Serialise a unified record: ``fmt`` "json" (UTF-8) or "xml" (in `encoding`).

    Raises ValueError for an unknown `fmt` or XML encoding (configuration errors) and
    TransformError for values that cannot be written.
    """
    if fmt == "json":
        return encode_json(record)
    if fmt == "xml":
        return dict_to_xml(record_type, record, encoding=encoding)
    raise ValueError(f"unknown format {fmt!r}; use 'json' or 'xml'")


def parse_content_type(
    content_type: str | None, body: bytes
) -> tuple[Layout, str | None]:
    """The layout a content type names and its charset parameter (None when absent)."""
    if content_type is None or not content_type.strip():
        return _sniff(body), None
    media, *parameters = content_type.split(";")
    layout = _MEDIA_TYPES.get(media.strip().lower())
    if layout is None:
        raise TransformError(
            "body.content_type_unsupported",
            f"content type {media.strip()!r}; send application/json or application/xml",
        )
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    return layout, charset


def _sniff(body: bytes) -> Layout:
    start = body.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if start in (b"{", b"["):
        return "json"
    if start == b"<":
        return "xml"
    raise TransformError(
        "body.content_type_unsupported",
        "no content type, and the body starts like neither JSON nor XML",
    )
