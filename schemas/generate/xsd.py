"""An XSD for one record type, derived from its JSON Schema, following the contract's XML form.

The XML form: namespace ``urn:supervision-hub:standard:1``, root element named after the record
type with an optional ``schema_version`` attribute, one child element per field in declaration
order (``xs:sequence``), a nested block as a nested element, a list as the element repeated once
per item without a wrapper (``maxOccurs="unbounded"``), absent values omitted (``minOccurs="0"``).

JSON Schema -> XSD: ``format: date`` -> ``xs:date``; ``format: date-time`` -> ``xs:dateTime``;
``format: decimal`` -> ``xs:decimal`` with ``fractionDigits`` (``x-fraction-digits``) and
``minInclusive`` (``x-minimum-inclusive``); ``enum``/``const`` -> enumeration facets; string
``minLength``/``maxLength``/``pattern`` -> the same facets (patterns lose their ^ and $ anchors:
XSD patterns always match the whole value); ``anyOf`` of several text forms -> ``xs:union``;
``$ref`` -> a named complex type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

XS = "http://www.w3.org/2001/XMLSchema"
NAMESPACE = "urn:supervision-hub:standard:1"
_NULL = {"type": "null"}


def _xs(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, _xs(tag), attributes)


def _document(parent: etree._Element, text: str | None) -> None:
    if text:
        _sub(_sub(parent, "annotation"), "documentation").text = text


def xsd_for(record_type: str, schema: Mapping[str, Any], version: str) -> str:
    """The XSD text for ``record_type`` whose JSON Schema is ``schema``."""
    root = etree.Element(_xs("schema"), nsmap={"xs": XS, "tns": NAMESPACE})
    root.set("targetNamespace", NAMESPACE)
    root.set("elementFormDefault", "qualified")
    root.set("version", version)
    _document(root, f"{record_type}: unified data standard, schema version {version}.")
    element = _sub(root, "element", name=record_type)
    _document(element, schema.get("description"))
    record = _sub(element, "complexType")
    _sequence(record, schema)
    _sub(record, "attribute", name="schema_version", type="xs:string", fixed=version)
    for name, definition in sorted(schema.get("$defs", {}).items()):
        block = _sub(root, "complexType", name=name)
        _document(block, definition.get("description"))
        _sequence(block, definition)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode()


def _sequence(parent: etree._Element, schema: Mapping[str, Any]) -> None:
    sequence = _sub(parent, "sequence")
    required = set(schema.get("required", ()))
    for name, prop in schema.get("properties", {}).items():
        _field(sequence, name, prop, name in required)


def _field(sequence: etree._Element, name: str, prop: Mapping[str, Any], required: bool) -> None:
    element = _sub(sequence, "element", name=name)
    _document(element, prop.get("description"))
    options = [o for o in prop.get("anyOf", ()) if o != _NULL]
    nullable = len(options) < len(prop.get("anyOf", ()))
    body: Mapping[str, Any] = options[0] if len(options) == 1 else prop
    minimum = 1 if required and not nullable else 0
    if body.get("type") == "array":
        element.set("maxOccurs", "unbounded")
        minimum = min(minimum, int(body.get("minItems", 0)))
        body = body["items"]
    if minimum == 0:
        element.set("minOccurs", "0")
    if "$ref" in body:
        element.set("type", "tns:" + body["$ref"].rsplit("/", 1)[-1])
        return
    builtin = _builtin(body)
    if builtin is not None:
        element.set("type", builtin)
    else:
        _simple_type(element, body)


def _builtin(schema: Mapping[str, Any]) -> str | None:
    """A plain XSD type when no facet is needed."""
    if schema.get("format") == "date":
        return "xs:date"
    if schema.get("format") == "date-time":
        return "xs:dateTime"
    facets = {"enum", "const", "pattern", "minLength", "maxLength", "anyOf", "format"}
    if facets & set(schema):
        return None
    return {"integer": "xs:integer", "number": "xs:decimal", "boolean": "xs:boolean"}.get(
        schema.get("type", "string"), "xs:string"
    )


def _simple_type(parent: etree._Element, schema: Mapping[str, Any]) -> None:
    simple = _sub(parent, "simpleType")
    options = [o for o in schema.get("anyOf", ()) if o != _NULL]
    if options:
        union = _sub(simple, "union")
        for option in options:
            _simple_type(union, option)
        return
    if schema.get("format") == "decimal":
        restriction = _sub(simple, "restriction", base="xs:decimal")
        if "x-minimum-inclusive" in schema:
            _sub(restriction, "minInclusive", value=str(schema["x-minimum-inclusive"]))
        if "x-fraction-digits" in schema:
            _sub(restriction, "fractionDigits", value=str(schema["x-fraction-digits"]))
        return
    restriction = _sub(simple, "restriction", base="xs:string")
    values = schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else []
    for value in values:
        _sub(restriction, "enumeration", value=str(value))
    if "minLength" in schema:
        _sub(restriction, "minLength", value=str(schema["minLength"]))
    if "maxLength" in schema:
        _sub(restriction, "maxLength", value=str(schema["maxLength"]))
    if "pattern" in schema:
        _sub(restriction, "pattern", value=schema["pattern"].removeprefix("^").removesuffix("$"))
