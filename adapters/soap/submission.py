"""Reading a ``SubmitRecord`` request of the exchange contract into an :class:`InboundRecord`.

Contract of :func:`read_submission`: it returns the record exactly as the caller meant it, or
raises :class:`~adapters.soap.soap11.SoapFault` (Client) with a reason code and the path of the
offending element: ``adapter.unsupported`` for another operation, a record type not taken or a
content type the hub cannot decode; ``adapter.encoding`` for a text body declared in a charset
other than UTF-8 (text in a SOAP envelope is Unicode: bytes in GBK travel as ``bodyBase64``);
``adapter.malformed`` for anything else outside the contract; a JSON body the hub's strict reader
(:func:`transforms.read_json`) refuses is ``adapter.encoding``/``adapter.malformed``, the message
led by that reader's ``json.*`` code. :func:`readable_ids` recovers the
record type and source id of a refused request, for the quarantined copy.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Collection

from lxml import etree

from adapters.sdk import InboundRecord, unreadable_json
from adapters.soap.contract import SUBMIT_RECORD, qname
from adapters.soap.soap11 import SoapFault, charset_of, check_children, child_text
from schemas import RECORD_TYPES
from transforms import TransformError, read_json

#: Media types a submitted body may have (the hub's decoders read these).
MEDIA_TYPES = ("application/json", "application/xml", "text/xml")
#: Header naming the authenticated caller on each submitted record.
CALLER_HEADER = "hub-soap-caller"
_FIELDS = ("recordType", "sourceMessageId", "contentType", "body", "bodyBase64")


def read_submission(
    operation: etree._Element, record_types: Collection[str], caller: str
) -> InboundRecord:
    """The record a SubmitRecord element carries, from ``caller`` (see the module docstring)."""
    if operation.tag != qname(SUBMIT_RECORD):
        raise SoapFault("Client", "adapter.unsupported",
                        f"operation {operation.tag} is not served here; use {SUBMIT_RECORD}")
    check_children(operation, _FIELDS)
    record_type = child_text(operation, "recordType") or ""
    if record_type not in record_types:
        raise SoapFault("Client", "adapter.unsupported",
                        f"record type {record_type!r} is not taken from this caller",
                        path="SubmitRecord/recordType")
    source_id = (child_text(operation, "sourceMessageId") or "").strip()
    if not 1 <= len(source_id) <= 128:
        raise SoapFault("Client", "adapter.malformed", "sourceMessageId needs 1 to 128 characters",
                        path="SubmitRecord/sourceMessageId")
    content_type = (child_text(operation, "contentType") or "").strip()
    body, content_type = _body(operation, content_type)
    return InboundRecord(body, record_type, content_type, source_id, {CALLER_HEADER: caller})


def readable_ids(operation: etree._Element) -> tuple[str | None, str | None]:
    """The record type (if it is one of the standard's) and source message id of a request
    that was refused, as far as they can be read."""
    record_type = _text_or_none(operation, "recordType")
    return (record_type if record_type in RECORD_TYPES else None,
            _text_or_none(operation, "sourceMessageId"))


def _body(operation: etree._Element, content_type: str) -> tuple[bytes, str]:
    """The record's bytes and content type from ``body`` (text, sent on as UTF-8) or
    ``bodyBase64`` (bytes as given, with the content type as given)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media not in MEDIA_TYPES:
        raise SoapFault("Client", "adapter.unsupported", f"contentType {content_type!r} is not "
                        f"one of {', '.join(MEDIA_TYPES)}", path="SubmitRecord/contentType")
    text = child_text(operation, "body", required=False)
    encoded = child_text(operation, "bodyBase64", required=False)
    if (text is None) == (encoded is None):
        raise SoapFault("Client", "adapter.malformed", "give exactly one of body and bodyBase64",
                        path="SubmitRecord/body")
    if text is not None:
        charset = charset_of(content_type)
        if charset is not None and charset.lower().replace("-", "") != "utf8":
            raise SoapFault("Client", "adapter.encoding", f"a text body travels as UTF-8, not "
                            f"{charset}; send bytes in {charset} as bodyBase64",
                            path="SubmitRecord/contentType")
        data, content_type = text.encode("utf-8"), f"{media}; charset=utf-8"
    else:
        try:  # xs:base64Binary allows whitespace between the characters
            data = base64.b64decode("".join((encoded or "").split()), validate=True)
        except binascii.Error as e:
            raise SoapFault("Client", "adapter.malformed", f"bodyBase64 is not base64: {e}",
                            path="SubmitRecord/bodyBase64") from e
    if not data.strip():
        raise SoapFault("Client", "adapter.malformed", "the body is empty",
                        path="SubmitRecord/body")
    if media == "application/json":
        try:  # the pipeline's own strict reader, so the caller hears the reason at once
            read_json(data, charset_of(content_type))
        except TransformError as e:
            problem = unreadable_json(e.code, e.message)
            raise SoapFault("Client", problem.code, problem.message,
                            path="SubmitRecord/body") from e
    return data, content_type


def _text_or_none(operation: etree._Element, name: str) -> str | None:
    found = operation.find(qname(name))
    text = (found.text or "").strip() if found is not None else ""
    return text[:128] or None
