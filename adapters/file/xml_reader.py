"""XML batches: repeated record elements, streamed through a hardened pull parser.

A batch holds many records, e.g. ``<ROWS><ROW>...</ROW><ROW>...</ROW></ROWS>`` or
``<batch><administrative_licence>...</administrative_licence>...</batch>``. Each element whose
local name is ``record_element`` (and that is not inside another one) is yielded as its own
UTF-8 document, optionally wrapped in ``<wrap>`` (for a source whose XSLT expects its batch
root around each row, like health's ``<ROWS>``), so the hub's pipeline decodes it as it would
a single-record message. What the reader does not check (the record's content, namespaces, its
root name) is the pipeline's job.

Hostile input gets the treatment of :mod:`transforms.safe_xml`: a DOCTYPE in the prolog makes
the file unusable before libxml2 sees it, and the parser has the same hardened settings (no
entity resolution, no DTD loading, no network, libxml2's size limits, processing instructions
and comments dropped). Elements are cleared, and their earlier siblings deleted, as soon as they
are yielded: memory holds one record at a time.

Encoding: the byte-order mark, the XML declaration and the configured ``encoding`` (if any)
must name the same accepted encoding (UTF-8, GBK, GB18030); absent all three, UTF-8. The bytes
are decoded here, strictly and incrementally, and handed to libxml2 as UTF-8 with the
declaration blanked (line numbers stay true). Undecodable bytes, or a document libxml2 finds
malformed, end the file at that point (``adapter.encoding`` / ``adapter.malformed`` with the
byte or line): records before it were whole, nothing after it can be trusted.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from adapters.file.encodings import UTF8_BOM, codec_for, display, utf8_in_disguise
from adapters.file.file_rows import FileUnusable, Row
from adapters.sdk.regular_files import open_regular
from transforms.charsets import UTF8
from transforms.safe_xml import HARDENED_OPTIONS

_CHUNK = 64 * 1024
_PROLOG_LIMIT = 1024 * 1024
_DECLARATION = re.compile(
    r"<\?xml\s+version\s*=\s*([\"'])[^\"']*\1(?:\s+encoding\s*=\s*([\"'])([A-Za-z][\w.-]*)\2)?"
    r"(?:\s+standalone\s*=\s*([\"'])(?:yes|no)\4)?\s*\?>"
)
_PROLOG_ITEM = re.compile(r"\s+|<!--.*?-->|<\?.*?\?>", re.DOTALL)
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")


def pull_parser() -> etree.XMLPullParser:
    """A pull parser with :func:`transforms.safe_xml.hardened_parser`'s settings."""
    return etree.XMLPullParser(events=("start", "end"), **HARDENED_OPTIONS)


class XmlRows:
    """An XML batch (see module doc)."""

    def __init__(
        self,
        path: Path,
        *,
        record_element: str,
        wrap: str | None = None,
        encoding: str | None = None,
    ) -> None:
        self.path = path
        self.record_element = record_element
        self.wrap = wrap
        self.configured = codec_for(encoding) if encoding else None
        self.record_content_type = "application/xml; charset=utf-8"
        self.raw_content_type = "application/xml; charset=utf-8"
        self._size = 0
        self._read = 0

    def progress(self) -> float | None:
        return min(1.0, self._read / self._size) if self._size else None

    def rows(self) -> Iterator[Row]:
        parser = pull_parser()
        state = _Walk(self.record_element)
        with open_regular(self.path) as stream:
            self._size = os.fstat(stream.fileno()).st_size
            for text in self._text(stream):
                try:
                    parser.feed(text.encode(UTF8))
                    yield from self._records(parser, state)
                except etree.XMLSyntaxError as e:
                    raise _malformed(e, state.count) from e
            try:
                parser.close()
                yield from self._records(parser, state)
            except etree.XMLSyntaxError as e:
                raise _malformed(e, state.count) from e
        if state.count == 0:
            raise FileUnusable(
                "adapter.malformed", f"the file holds no <{self.record_element}> element")

    def _records(self, parser: etree.XMLPullParser, state: _Walk) -> Iterator[Row]:
        for event, element in parser.read_events():
            body = state.step(event, element)
            if body is None:
                continue
            if self.wrap:
                body = b"<" + self.wrap.encode() + b">" + body + b"</" + self.wrap.encode() + b">"
            document = b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
            yield Row(state.count, document, document)

    def _text(self, stream: Any) -> Iterator[str]:
        """The file as text: encoding agreed, prolog checked, declaration blanked."""
        head = stream.read(_CHUNK)
        while _prolog_end(head) is None and len(head) < _PROLOG_LIMIT:
            more = stream.read(_CHUNK)
            if not more:
                break
            head += more
        if _prolog_end(head) is None and len(head) >= _PROLOG_LIMIT:
            raise FileUnusable("adapter.malformed", "no element in the first 1 MB of the file")
        _refuse_doctype(head)
        codec, start = self._codec(head)
        decoder = codecs.getincrementaldecoder(codec)("strict")
        offset, chunk, first = start, head[start:], True
        while chunk:
            pending: bytes = decoder.getstate()[0]
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as e:
                data = pending + chunk
                raise FileUnusable(
                    "adapter.encoding", f"byte {offset - len(pending) + e.start + 1} "
                    f"(0x{data[e.start]:02X}) cannot be read as {display(codec)}") from e
            offset += len(chunk)
            self._read = offset
            if first:
                match = _DECLARATION.match(text)
                if match is not None:
                    text = " " * match.end() + text[match.end():]
                first = False
            yield text
            chunk = stream.read(_CHUNK)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise FileUnusable(
                "adapter.encoding", f"the file ends inside a {display(codec)} character") from e

    def _codec(self, head: bytes) -> tuple[str, int]:
        """The codec every label agrees on, and where the text starts."""
        labels: list[tuple[str, str]] = []
        start = 0
        if head.startswith(UTF8_BOM):
            labels.append(("the byte-order mark", "UTF-8"))
            start = len(UTF8_BOM)
        match = _DECLARATION.match(head[start:].decode("latin-1"))
        if match is not None and match.group(3):
            labels.append(("the XML declaration", match.group(3)))
        if self.configured is not None:
            labels.append(("the configured encoding", display(self.configured)))
        codecs_named: list[tuple[str, str, str]] = []
        for where, label in labels:
            try:
                codecs_named.append((where, label, codec_for(label)))
            except ValueError as e:
                raise FileUnusable("adapter.encoding", f"{where}: {e}") from e
        codec = codecs_named[0][2] if codecs_named else UTF8
        for where, label, named in codecs_named[1:]:
            if named != codec:
                first_where, first_label, _ = codecs_named[0]
                raise FileUnusable(
                    "adapter.encoding", f"{first_where} says {first_label} but {where} says {label}")
        if codec != UTF8 and utf8_in_disguise(head[start:]):
            raise FileUnusable(
                "adapter.encoding", f"the file is declared {display(codec)} but its bytes are UTF-8")
        return codec, start


class _Walk:
    """Tracks where the parser is; serialises and clears each finished top-level record."""

    def __init__(self, record_element: str) -> None:
        self.record_element = record_element
        self.depth = 0
        self.count = 0

    def step(self, event: str, element: Any) -> bytes | None:
        if etree.QName(element).localname != self.record_element:
            return None
        if event == "start":
            self.depth += 1
            return None
        self.depth -= 1
        if self.depth:
            return None
        self.count += 1
        body: bytes = etree.tostring(element, encoding="UTF-8", with_tail=False)
        body = body.split(b"?>", 1)[1].lstrip() if body.startswith(b"<?xml") else body
        element.clear()
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
        return body


def _prolog_end(head: bytes) -> int | None:
    """Where the prolog (declaration, comments, processing instructions, whitespace) of a
    file starting with ``head`` ends; None when ``head`` ends inside it.

    Works on the bytes: the markup characters are ASCII in every accepted encoding, and no
    GBK or GB18030 trail byte is one of them.
    """
    text = head.removeprefix(UTF8_BOM).decode("latin-1")
    position = 0
    while (item := _PROLOG_ITEM.match(text, position)) is not None and item.end() > position:
        position = item.end()
    return position if len(text) - position >= 9 else None


def _refuse_doctype(head: bytes) -> None:
    """FileUnusable when the prolog holds a document type declaration (see module doc)."""
    position = _prolog_end(head)
    text = head.removeprefix(UTF8_BOM).decode("latin-1")
    if position is not None and text[position : position + 9].upper() == "<!DOCTYPE":
        line = text.count("\n", 0, position) + 1
        raise FileUnusable(
            "adapter.malformed",
            f"line {line}: DOCTYPE declarations are not accepted (a batch needs no DTD)")


def _malformed(error: etree.XMLSyntaxError, count: int) -> FileUnusable:
    line, column = error.position
    return FileUnusable(
        "adapter.malformed",
        f"line {line}, column {column}: {_POSITION_SUFFIX.sub('', error.msg)} "
        f"(after {count} whole records)")
