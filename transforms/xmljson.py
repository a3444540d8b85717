"""Conversion between the unified XML form and JSON-ready dicts.

The rules (both directions follow the contract's "XML form of a unified record"):

Names and namespaces
  * An element's *local name* is its key. The root element's name is the record type; callers
    compare it (`local_name(root)`), `xml_to_dict` returns only the fields.
  * The root must be in the unified namespace ``urn:supervision-hub:standard:1`` or in no
    namespace, and every other element must be in the root's namespace. Anything else (a foreign
    namespace, or a mix of namespaced and plain elements) is `xml.foreign_namespace`: a
    department's own vocabulary has to be turned into the unified form by its XSLT first, so a
    foreign element is never silently renamed or dropped.

Attributes
  * The unified form carries no data in attributes, so there is no ``@name`` convention: the only
    attribute accepted is ``schema_version`` on the root, whose value must be ``1.0``
    (`xml.schema_version_unsupported` otherwise). It is checked and not copied into the dict (the
    JSON form carries no version field). Any other attribute, including namespaced ones such as
    ``xsi:schemaLocation``, is `xml.attribute_unknown` with the element's path.

Structure
  * An element with child elements is an object; one without is a scalar, always a ``str``:
    typing (dates, decimals, enums) is the schema's job, not the converter's.
  * Siblings with the same name become a list in document order. `list_paths` names the dotted
    paths, without indices (e.g. ``penalty_categories``, ``changes``, ``business_scope.licensed_items``),
    that are lists in the unified form; they become lists even with one element.
  * An empty element (no children, no text or whitespace only) means "absent": the key is
    omitted, an empty list item is dropped, and an object whose children are all empty is omitted.
    ``<a/>``, ``<a></a>`` and no ``<a>`` at all are therefore the same.
  * Mixed content (child elements together with non-whitespace text) is `xml.mixed_content` with
    the path of the element holding it. A root element holding only text is `body.not_an_object`.
  * Error paths are dotted unified paths; repeated elements are numbered from 0 in document order.

Whitespace
  * Whitespace-only text between elements (indentation) is ignored. A leaf's text is returned
    exactly as written, leading and trailing spaces included, so the schema layer sees what a JSON
    sender would have sent and can report a trim as a repair instead of the converter hiding it.

Dict to XML (`dict_to_xml`)
  * The root is the record type in `namespace` ("" for none) with ``schema_version="1.0"``.
  * Keys are written in dict order (callers pass model declaration order); a key must be an ASCII
    XML name (`xml.invalid_name` otherwise).
  * A dict is a nested element; a list or tuple is the element repeated once per item; nested
    lists cannot be written (`xml.invalid_value`).
  * None, empty strings, whitespace-only strings, empty lists and empty dicts are omitted: the XML
    form cannot tell them from an absent field (see "Structure").
  * Scalars as text: str as is; bool ``true``/``false``; int in decimal; Decimal in plain
    notation (never an exponent); finite float by repr; date/datetime ISO 8601 (YYYY-MM-DD);
    an Enum by its value. Other types, NaN/infinity and characters XML cannot carry (control
    characters) are `xml.invalid_value`.
  * Output encodings: UTF-8, GBK or GB18030 (GB2312 is written as GBK), with a matching XML
    declaration; characters the encoding lacks become character references.

Round trip: for a unified record in JSON form (scalars are strings, as after pydantic's
JSON-mode dump), ``xml_to_dict(parse(dict_to_xml(t, r)), list_paths=...) == r``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from lxml import etree

from transforms.charsets import canonical_charset
from transforms.transform_errors import TransformError

UNIFIED_NAMESPACE = "urn:supervision-hub:standard:1"
SCHEMA_VERSION = "1.0"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_DECLARED_LABEL = {"utf-8": "UTF-8", "gbk": "GBK", "gb18030": "GB18030"}


def local_name(element: etree._Element) -> str:
    """The element's name without its namespace."""
    return etree.QName(element).localname


def xml_to_dict(
    root: etree._Element, *, list_paths: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The fields of a unified XML record as a dict (rules in the module docstring)."""
    namespace = etree.QName(root).namespace
    if namespace not in (None, UNIFIED_NAMESPACE):
        raise TransformError(
            "xml.foreign_namespace",
            f"root namespace {namespace!r} is not the unified namespace {UNIFIED_NAMESPACE!r}",
        )
    # Names only, then the one value by name: lxml's attrib.items() looks every value up by a
    # scan of the attribute list, quadratic in the count (100k attributes took minutes).
    for name in root.attrib:
        if name != "schema_version":
            raise TransformError(
                "xml.attribute_unknown", f"attribute {name!r} on the root"
            )
        value = root.get(name)
        if value != SCHEMA_VERSION:
            raise TransformError(
                "xml.schema_version_unsupported",
                f"schema_version {value!r}; this hub reads {SCHEMA_VERSION!r}",
            )
    if not _element_children(root) and _text_of(root).strip():
        raise TransformError(
            "body.not_an_object", "the root element holds text, not fields"
        )
    return _object(root, namespace, "", "", list_paths)


def _object(
    element: etree._Element,
    namespace: str | None,
    path: str,
    plain_path: str,
    list_paths: frozenset[str],
) -> dict[str, Any]:
    """Convert an element with child elements; `plain_path` is `path` without list indices."""
    groups: dict[str, list[etree._Element]] = {}
    if (element.text or "").strip():
        _mixed(path)
    for child in element:
        if (child.tail or "").strip():
            _mixed(path)
        if isinstance(child, etree._Entity):
            raise TransformError(
                "xml.malformed", f"unexpanded entity {child.text}", path
            )
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry no data
        qname = etree.QName(child)
        groups.setdefault(qname.localname, []).append(child)
        if qname.namespace != namespace:
            raise TransformError(
                "xml.foreign_namespace",
                f"element {qname.localname!r} is in namespace {qname.namespace!r}, "
                f"not the document's {namespace!r}",
                _join(path, qname.localname),
            )
    result: dict[str, Any] = {}
    for key, children in groups.items():
        child_plain = _join(plain_path, key)
        as_list = len(children) > 1 or child_plain in list_paths
        values = []
        for index, child in enumerate(children):
            child_path = _join(path, key) + (f".{index}" if as_list else "")
            value = _value(child, namespace, child_path, child_plain, list_paths)
            if value is not None:
                values.append(value)
        if as_list and values:
            result[key] = values
        elif values:
            result[key] = values[0]
    return result


def _value(
    element: etree._Element,
    namespace: str | None,
    path: str,
    plain_path: str,
    list_paths: frozenset[str],
) -> Any:
    """A child element's value: dict, str, or None when it is empty."""
    if element.attrib:
        name = next(iter(element.attrib))
        raise TransformError("xml.attribute_unknown", f"attribute {name!r}", path)
    if _element_children(element):
        return _object(element, namespace, path, plain_path, list_paths) or None
    text = _text_of(element)
    return text if text.strip() else None


def _element_children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _text_of(element: etree._Element) -> str:
    """Text of a leaf, joining pieces a comment or PI may have split it into."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def _mixed(path: str) -> None:
    raise TransformError(
        "xml.mixed_content", "element holds both child elements and text", path
    )


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def dict_to_xml(
    record_type: str,
    data: Mapping[str, Any],
    *,
    namespace: str = UNIFIED_NAMESPACE,
    encoding: str = "UTF-8",
) -> bytes:
    """Serialise a record to the unified XML form (rules in the module docstring).

    Raises ValueError for an unaccepted `encoding` (a caller's configuration error) and
    TransformError for data that cannot be written.
    """
    codec = canonical_charset(encoding)
    if codec is None:
        raise ValueError(f"cannot write XML in {encoding!r}; use UTF-8, GBK or GB18030")
    root = etree.Element(
        _tag(namespace, record_type, ""), nsmap={None: namespace} if namespace else None
    )
    root.set("schema_version", SCHEMA_VERSION)
    _fill(root, data, namespace, "")
    declaration = f'<?xml version="1.0" encoding="{_DECLARED_LABEL[codec]}"?>\n'
    text = declaration + etree.tostring(root, encoding="unicode")
    return text.encode(codec, errors="xmlcharrefreplace")


def _fill(
    parent: etree._Element, data: Mapping[str, Any], namespace: str, path: str
) -> None:
    for key, value in data.items():
        key_path = _join(path, str(key))
        tag = _tag(namespace, key, key_path)
        if isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, (list, tuple)):
                    raise TransformError(
                        "xml.invalid_value",
                        "a list inside a list cannot be written",
                        key_path,
                    )
                _append(parent, tag, item, namespace, f"{key_path}.{index}")
        else:
            _append(parent, tag, value, namespace, key_path)


def _append(
    parent: etree._Element, tag: str, value: Any, namespace: str, path: str
) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        child = etree.SubElement(parent, tag)
        _fill(child, value, namespace, path)
        if len(child) == 0:
            parent.remove(child)
        return
    text = _scalar_text(value, path)
    if not text.strip():
        return
    child = etree.SubElement(parent, tag)
    try:
        child.text = text
    except ValueError as e:
        parent.remove(child)
        raise TransformError(
            "xml.invalid_value", f"text XML cannot carry: {e}", path
        ) from e


def _tag(namespace: str, key: Any, path: str) -> str:
    if not isinstance(key, str) or not _NAME.fullmatch(key):
        raise TransformError(
            "xml.invalid_name", f"{key!r} is not an ASCII XML name", path
        )
    return f"{{{namespace}}}{key}" if namespace else key


def _scalar_text(value: Any, path: str) -> str:
    if isinstance(value, Enum):
        return _scalar_text(value.value, path)
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return format(value, "f")
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TransformError(
        "xml.invalid_value", f"cannot write {value!r} as XML text", path
    )
