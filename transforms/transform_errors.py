"""Errors raised by the transforms package: its branch of the hub's one error tree.

The tree, its root and the table of every class are in :mod:`schemas.contract.errors`. Two
kinds here, split by what the runtime does with them:

* `TransformError`: the *message* is bad (malformed body, lying encoding, unknown code ...).
  It is permanent for that message (a `PermanentError`): the hub rejects it and sends the reason
  back to the source. Every bad input raises this and nothing else.
* `MappingFileError`: a *configuration* file shipped with the hub (a source mapping or an XSLT
  stylesheet) is bad. It is a `ConfigError`: it stops start-up (the CLI exits 2) with one line
  naming the file and the key.

`TRANSFORMS_REASONS` is this package's contribution to the one reason registry
(:mod:`schemas.contract.reasons`); `REASON_CODES` the same as ``{code: meaning}``. The package
also raises ``body.not_an_object``, which the standard owns (``schemas.reasons``). A test checks
that the code raises no unregistered code.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from schemas.contract.errors import ConfigError, PermanentError
from schemas.contract.problems import Problem
from schemas.contract.reasons import Reason, table

TRANSFORMS_REASONS: tuple[Reason, ...] = table({
    "body.content_type_unsupported": "the content type is neither JSON nor XML",
    "json.malformed": "the body is not valid JSON (message says where)",
    "json.encoding_unsupported": "the charset parameter names an encoding the hub does not accept",
    "json.encoding_mismatch": "the bytes are not in the encoding the charset parameter names",
    "json.duplicate_key": "a key appears twice in one JSON object (the hub never picks one)",
    "json.lone_surrogate": "a JSON string holds an unpaired UTF-16 surrogate escape such as \\ud800",
    "json.number_too_large": "a JSON number has more digits (or a larger exponent) than the hub reads",
    "json.too_deep": "JSON arrays and objects are nested deeper than the hub reads",
    "json.invalid_value": "a value cannot be written as JSON (type, NaN or infinity)",
    "xml.malformed": "the document is not well-formed XML (message gives line and column)",
    "xml.doctype_forbidden": "the document carries a DOCTYPE/DTD; the unified form never needs one",
    "xml.encoding_unsupported": "the document declares (or the transport names) an unaccepted encoding",
    "xml.encoding_mismatch": "the declared encoding, the transport charset and the bytes disagree",
    "xml.foreign_namespace": "an element is outside the unified namespace (or outside no-namespace)",
    "xml.attribute_unknown": "an attribute other than schema_version on the root element",
    "xml.too_many_attributes": "an element, or the document, holds more attributes than the hub accepts",
    "xml.schema_version_unsupported": "the root's schema_version is not a version the hub reads",
    "xml.mixed_content": "an element has both child elements and text",
    "xml.root_mismatch": "the root element is not the expected record type",
    "xml.invalid_name": "a key cannot be written as an XML element name",
    "xml.invalid_value": "a value cannot be written as XML text (type or character)",
    "xslt.failed": "the source's stylesheet stopped or produced no unified document",
    "mapping.layout_mismatch": "the body's format differs from the layout the source mapping declares",
    "mapping.unknown_code": "a value is missing from the source's code table for that field",
    "mapping.ambiguous_code": "the source's code cannot be mapped without guessing (explained)",
    "mapping.refused_code": "a source value the mapping refuses to pass on (explained)",
    "mapping.conflict": "two inputs give one unified field different values",
    "mapping.bad_value": "a mapped field holds an object where a code or text is needed",
})

#: Every reason code this package owns, with what it means. Read-only.
REASON_CODES: Mapping[str, str] = MappingProxyType({r.code: r.meaning for r in TRANSFORMS_REASONS})


class TransformError(PermanentError):
    """A message cannot be transformed: permanent for that message, which is rejected.

    `code` is a registered reason code (this package's `REASON_CODES`, or the standard's
    ``body.not_an_object``); `path` is the dotted field path in the
    unified form (list items by index, e.g. ``penalty_categories.1``) or "" for the whole
    document; `message` is a sentence a department's developer can act on.
    """

    def __init__(self, code: str, message: str, path: str = "") -> None:
        super().__init__(f"{code} at {path or '<document>'}: {message}")
        self.code = code
        self.message = message
        self.path = path

    def as_problem(self) -> Problem:
        """The error as the problem the hub reports for the record."""
        return Problem(self.code, self.path, self.message)


class MappingFileError(ConfigError):
    """A source mapping file or stylesheet is invalid; raised while loading, never per message.

    A :class:`ConfigError` (no longer a ``ValueError``: nothing caught it as one), so every
    command turns it into exit code 2. ``str()`` is one line: ``file: key: message``.
    """

    def __init__(self, file: str, key: str, message: str) -> None:
        # Parsers' messages may span lines (a caret under the column); an operator reads one.
        message = "; ".join(line.strip() for line in message.splitlines() if line.strip())
        super().__init__(f"{file}: {key or '<file>'}: {message}")
        self.file = file
        self.key = key
        self.message = message
