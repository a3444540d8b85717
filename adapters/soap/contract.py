"""The exchange contract both soap adapters speak: our assumed city-platform WSDL.

The WSDL (``schemas/wsdl/city-platform.wsdl``) is an assumption, not an agreed contract (the
file says so). Everything that depends on its names lives here, so the city's real WSDL means
changing this module and the file, not the adapters' logic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lxml import etree

import schemas
from schemas.contract.envelope import Envelope

#: Target namespace of the exchange service.
NS = "urn:supervision-hub:exchange:1"
#: The packaged WSDL (shipped as package data of ``schemas``).
CITY_PLATFORM_WSDL = Path(schemas.__file__).parent / "wsdl" / "city-platform.wsdl"

#: The city's service (district -> city) and the hub's service (city -> district).
CITY_SERVICE = "CityExchangeService"
DISTRICT_SERVICE = "DistrictExchangeService"
RECEIVE_RECORD = "ReceiveRecord"
SUBMIT_RECORD = "SubmitRecord"

#: Fault detail codes beyond the adapter reason codes (which are used as they are): the hub's
#: own (``hub.unavailable``, ``hub.internal_error``) are registered reasons, imported from
#: ``schemas.contract.problems``; the city's refusal is the city's code, never a hub reason.
REFUSED = "city.refused"

_WSDL = "http://schemas.xmlsoap.org/wsdl/"
_WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"


def qname(local: str) -> str:
    """``{NS}local``, lxml's Clark notation for an element of the contract."""
    return f"{{{NS}}}{local}"


def served_wsdl(service: str, address: str, source: Path = CITY_PLATFORM_WSDL) -> bytes:
    """The WSDL an endpoint serves on ``?wsdl``: only ``service``, at ``address``.

    Dropping the other service means a client that loads the served WSDL binds to the right
    one without being told its name.
    """
    # A packaged or operator-configured file, not input from outside: comments (the
    # "assumed contract" note) are kept; entities and the network stay off all the same.
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
    root = etree.fromstring(source.read_bytes(), parser)
    found = False
    for element in root.findall(f"{{{_WSDL}}}service"):
        if element.get("name") != service:
            root.remove(element)
            continue
        found = True
        for location in element.iterfind(f"{{{_WSDL}}}port/{{{_WSDL_SOAP}}}address"):
            location.set("location", address)
    if not found:
        raise ValueError(f"{source} has no service {service!r}")
    data: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return data


def receive_record_arguments(envelope: Envelope) -> dict[str, Any]:
    """The ReceiveRecord arguments that carry ``envelope`` (payload as JSON text).

    The content hash is the idempotency key: the city keeps one record per key, so a
    re-delivery after a lost answer is harmless.
    """
    arguments: dict[str, Any] = {
        "messageId": envelope.message_id,
        "correlationId": envelope.correlation_id,
        "sourceSystem": envelope.source,
        "recordType": envelope.record_type,
        "schemaVersion": envelope.schema_version,
        "receivedAt": envelope.received_at,
        "idempotencyKey": envelope.content_hash,
        "payload": json.dumps(envelope.payload, ensure_ascii=False, sort_keys=True),
    }
    if envelope.credit_code is not None:
        arguments["creditCode"] = envelope.credit_code
    return arguments
