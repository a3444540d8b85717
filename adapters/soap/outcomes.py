"""What a failed SOAP call means for the record: retry (TransientError) or never (PermanentError).

The rules, for the delivery runner's sake:
- a fault whose faultcode is ``Client`` (SOAP 1.1; ``Sender`` in 1.2), ``VersionMismatch`` or
  ``MustUnderstand``: the system understood and refused the record as it is -> permanent;
- a ``Server`` (``Receiver``) fault, or a fault without a code on an HTTP 5xx: not now ->
  transient; a fault without a code on any other status -> permanent;
- no usable answer: HTTP 408, 425, 429 or 5xx, a timeout, a refused or dropped connection, an
  answer that is not SOAP or carries a DTD (never read) -> transient (the idempotency key
  makes the retry harmless);
- other HTTP statuses without a fault (404: wrong address, 401/403) -> permanent;
- the record does not fit the WSDL's types (zeep's ValidationError) -> permanent.
Anything else is not classified here (a bug; it propagates).
"""

from __future__ import annotations

import requests
from lxml import etree
from zeep.exceptions import (
    DTDForbidden,
    EntitiesForbidden,
    ExternalReferenceForbidden,
    Fault,
    TransportError,
    ValidationError,
    XMLParseError,
    XMLSyntaxError,
)

from adapters.soap.contract import qname
from schemas.contract.errors import PermanentError, TransientError

TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_REFUSING_CODES = frozenset({"Client", "Sender", "VersionMismatch", "MustUnderstand"})
_RETRY_CODES = frozenset({"Server", "Receiver"})
_NO_ANSWER = (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


def fault_code(code: str | None) -> str | None:
    """The local part of a faultcode (``soap:Client.Auth`` -> ``Client``)."""
    if not code:
        return None
    local = code.rsplit("}", 1)[-1].rsplit(":", 1)[-1]
    return local.split(".", 1)[0] or None


def fault_detail(fault: Fault) -> str | None:
    """The ExchangeFault code in a fault's detail (``adapter.unauthorised``...), if any."""
    detail = fault.detail
    if detail is None or not isinstance(detail, etree._Element):
        return None
    found = detail.find(f"{qname('ExchangeFault')}/{qname('code')}")
    return found.text if found is not None else None


def classify(
    error: Exception, status: int | None, where: str
) -> TransientError | PermanentError | None:
    """The error to raise for ``error`` from a call to ``where`` answered with HTTP ``status``
    (None: no answer); None when ``error`` is not a call failure this module knows."""
    if isinstance(error, Fault):
        local = fault_code(error.code)
        detail = fault_detail(error)
        summary = f"{where}: fault {error.code or '(no code)'}"
        summary += f" [{detail}]" if detail else ""
        summary += f" (HTTP {status}): {error.message}" if status else f": {error.message}"
        if local in _REFUSING_CODES:
            return PermanentError(summary)
        if local in _RETRY_CODES or status is None or status >= 500:
            return TransientError(summary)
        return PermanentError(summary)
    if isinstance(error, TransportError):
        code = error.status_code or status
        summary = f"{where}: HTTP {code}: {str(error.message)[:200]}"
        # No status, or a 2xx whose body is not SOAP (a proxy's page): the outcome is unknown.
        if code in TRANSIENT_STATUS or not code or code >= 500 or 200 <= code < 300:
            return TransientError(summary)
        return PermanentError(summary)
    if isinstance(error, _NO_ANSWER):
        return TransientError(f"{where}: {type(error).__name__}: {error}")
    if isinstance(error, XMLSyntaxError | XMLParseError):
        return TransientError(f"{where}: the answer is not SOAP: {error}")
    if isinstance(error, DTDForbidden | EntitiesForbidden | ExternalReferenceForbidden):
        return TransientError(f"{where}: the answer carries a DTD or entities; not read: {error}")
    if isinstance(error, ValidationError):
        return PermanentError(f"{where}: the record does not fit the WSDL: {error}")
    return None
