"""Transforms: message bytes <-> records in the unified data standard.

Public API:

* `decode_record(body, content_type, *, source, record_type, list_paths, catalogue) -> dict`
* `encode_record(record, record_type, fmt, *, encoding="UTF-8") -> bytes`
* `read_json(data, charset=None) -> value`, `write_json(value) -> bytes`: the one strict JSON
  reader every door uses (limits `MAX_DEPTH`, `MAX_INTEGER_DIGITS`), and its exact inverse
* `MappingCatalogue.load(directory=None)` / `MappingCatalogue.empty()`: per-source mappings
* `parse_xml`, `xml_to_dict`, `dict_to_xml`: the hardened parser and the XML<->dict rules
* `TransformError` (bad messages: code, message, path), `MappingFileError` (bad config files),
  `REASON_CODES` (every reason code this package emits)
"""

from transforms.decode import decode_record, encode_record
from transforms.json_reader import MAX_DEPTH, MAX_INTEGER_DIGITS, read_json, write_json
from transforms.mapping_catalogue import MappingCatalogue
from transforms.safe_xml import parse_xml
from transforms.transform_errors import REASON_CODES, MappingFileError, TransformError
from transforms.xmljson import (
    SCHEMA_VERSION,
    UNIFIED_NAMESPACE,
    dict_to_xml,
    xml_to_dict,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_INTEGER_DIGITS",
    "REASON_CODES",
    "SCHEMA_VERSION",
    "UNIFIED_NAMESPACE",
    "MappingCatalogue",
    "MappingFileError",
    "TransformError",
    "decode_record",
    "dict_to_xml",
    "encode_record",
    "parse_xml",
    "read_json",
    "write_json",
    "xml_to_dict",
]
