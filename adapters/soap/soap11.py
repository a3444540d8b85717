"""SOAP 1.1 messages on the server side: reading requests safely, writing answers and faults.

zeep is a client library, so the hub's own endpoints read envelopes here. Contract of
:func:`read_request`: the body goes through the hub's hardened XML parser
(:func:`transforms.safe_xml.parse_xml`: DOCTYPE, entities and the network refused), and every
problem comes out as a :class:`SoapFault` with a machine-readable code, never as another
exception. Faults go back with HTTP 500, as SOAP 1.1 requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lxml import etree

from adapters.sdk.adapter_errors import PermanentError
from adapters.soap.contract import NS, qname
from transforms.safe_xml import parse_xml
from transforms.transform_errors import TransformError

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPE = "text/xml; charset=utf-8"

FaultCode = Literal["Client", "Server", "VersionMismatch", "MustUnderstand"]


class SoapFault(PermanentError):
    """A SOAP fault to answer with. ``code`` is the machine-readable reason (ExchangeFault/code),
    ``cause`` the parser's precise reason if any, ``message_id`` the hub id of a quarantined copy.

    Permanent for the hub: the request is settled by this answer and never retried here. A
    ``Server`` faultcode tells the *caller* it may send the request again later.
    """

    def __init__(
        self,
        faultcode: FaultCode,
        code: str,
        message: str,
        *,
        cause: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(f"soap:{faultcode} {code}: {message}")
        self.faultcode: FaultCode = faultcode
        self.code = code
        self.message = message
        self.cause = cause
        self.path = path
        self.message_id: str | None = None


@dataclass(frozen=True)
class SoapRequest:
    """A readable SOAP 1.1 request: its header (if any) and the one element in its body."""

    header: etree._Element | None
    operation: etree._Element


def charset_of(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP content type, unquoted; None if absent."""
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def read_request(body: bytes, content_type: str | None, understood: frozenset[str]) -> SoapRequest:
    """Parse a SOAP 1.1 request; :class:`SoapFault` (Client, VersionMismatch or MustUnderstand)
    if it is not one. ``understood`` holds the Clark names of header blocks the caller processes.
    """
    try:
        root = parse_xml(body, transport_charset=charset_of(content_type))
    except TransformError as e:
        code = "adapter.encoding" if e.code.startswith("xml.encoding") else "adapter.malformed"
        raise SoapFault("Client", code, e.message, cause=e.code) from e
    if root.tag == f"{{{SOAP12_ENV}}}Envelope":
        raise SoapFault("VersionMismatch", "adapter.unsupported",
                        "a SOAP 1.2 envelope; this endpoint speaks SOAP 1.1")
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("Client", "adapter.malformed",
                        f"the document is <{root.tag}>, not a SOAP 1.1 Envelope")
    children = [c for c in root if isinstance(c.tag, str)]
    header = None
    if children and children[0].tag == f"{{{SOAP_ENV}}}Header":
        header = children.pop(0)
    if len(children) != 1 or children[0].tag != f"{{{SOAP_ENV}}}Body":
        raise SoapFault("Client", "adapter.malformed", "the Envelope must hold one Body")
    if header is not None:
        _check_must_understand(header, understood)
    parts = [c for c in children[0] if isinstance(c.tag, str)]
    if len(parts) != 1:
        raise SoapFault("Client", "adapter.malformed",
                        f"the Body must hold exactly one element, it holds {len(parts)}")
    return SoapRequest(header, parts[0])


def _check_must_understand(header: etree._Element, understood: frozenset[str]) -> None:
    for block in header:
        if not isinstance(block.tag, str):
            continue
        flag = block.get(f"{{{SOAP_ENV}}}mustUnderstand", "0").strip()
        if flag in ("1", "true") and block.tag not in understood:
            raise SoapFault("MustUnderstand", "adapter.unsupported",
                            f"header block {block.tag} must be understood and is not")


def envelope(body: etree._Element) -> bytes:
    """``body`` wrapped in a SOAP 1.1 Envelope, as UTF-8 bytes."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV, "ex": NS})
    etree.SubElement(root, f"{{{SOAP_ENV}}}Body").append(body)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return data


def response(operation: str, **values: str) -> bytes:
    """A response envelope ``<operation>`` with one child per value, in the given order."""
    element = etree.Element(qname(operation))
    for name, value in values.items():
        etree.SubElement(element, qname(name)).text = value
    return envelope(element)


def fault_envelope(fault: SoapFault) -> bytes:
    """The fault as a SOAP 1.1 Fault with an ExchangeFault detail."""
    element = etree.Element(f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soap:{fault.faultcode}"
    etree.SubElement(element, "faultstring").text = f"{fault.code}: {fault.message}"
    detail = etree.SubElement(etree.SubElement(element, "detail"), qname("ExchangeFault"))
    for name, value in (("code", fault.code), ("message", fault.message), ("cause", fault.cause),
                        ("path", fault.path), ("messageId", fault.message_id)):
        if value is not None:
            etree.SubElement(detail, qname(name)).text = value
    return envelope(element)


def child_text(parent: etree._Element, name: str, *, required: bool = True) -> str | None:
    """The text of ``parent``'s contract child ``name`` (must occur at most once).

    :class:`SoapFault` (Client, adapter.malformed, with the path) when it is missing but
    ``required``, repeated, or has element children.
    """
    found = parent.findall(qname(name))
    path = f"{etree.QName(parent).localname}/{name}"
    if not found:
        if required:
            raise SoapFault("Client", "adapter.malformed", f"{name} is missing", path=path)
        return None
    if len(found) > 1 or len(found[0]):
        raise SoapFault("Client", "adapter.malformed", f"{name} must be one text element",
                        path=path)
    return found[0].text or ""


def check_children(parent: etree._Element, allowed: tuple[str, ...]) -> None:
    """:class:`SoapFault` naming the first child of ``parent`` the contract does not define."""
    names = {qname(a) for a in allowed}
    for child in parent:
        if isinstance(child.tag, str) and child.tag not in names:
            raise SoapFault("Client", "adapter.malformed",
                            f"unexpected element {child.tag}",
                            path=f"{etree.QName(parent).localname}/{etree.QName(child).localname}")
