"""The information service's SOAP door: SOAP 1.1 document/literal, the WSDL in
``schemas/wsdl/information-service.wsdl`` (served on ``?wsdl`` with the real address).

Per request, in this order (on the hub's SOAP endpoint, :mod:`adapters.soap.server`: a
Content-Length required, at most :data:`MAX_REQUEST_BYTES`, the whole request within the
deadline, bounded concurrency):

1. HTTP Basic credentials, when sent, are checked from the headers before the body is read;
2. the envelope is read with the hub's hardened parser (DOCTYPE, entities and the network
   refused): ``adapter.malformed``, ``adapter.encoding`` or a VersionMismatch/MustUnderstand
   fault otherwise;
3. a WS-Security UsernameToken, when present, is checked (user name: the caller's id in the
   access policy; password: its token; PasswordText only over TLS, behind a TLS proxy or on
   loopback, else PasswordDigest with a fresh nonce); no credentials, or wrong ones:
   ``auth.unauthenticated``, never saying which part was wrong;
4. the operation's elements become a question of :mod:`hub.information.desk` (an unknown
   operation: ``adapter.unsupported``; an element the WSDL does not define, or a value of the
   wrong shape: ``validation_error``), which the desk answers as for every door.

Faults carry the other doors' codes in an ``ExchangeFault`` detail: soap:Client for
``auth.unauthenticated``, ``query.forbidden``, ``query.*`` and ``validation_error`` (do not ask
again as asked), soap:Server for ``journal_unavailable`` and ``hub.internal_error`` (ask again
later). Never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import BaseModel, ValidationError

import schemas
from adapters.sdk.http_options import TlsConfig, is_loopback
from adapters.soap.contract import served_wsdl
from adapters.soap.credentials import (
    SECURITY,
    Callers,
    basic_credentials,
    username_token,
)
from adapters.soap.server import HttpAnswer, HttpRequest, SoapHttpServer, fault_answer
from adapters.soap.soap11 import SoapFault, envelope, read_request
from hub.assembly import Hub
from hub.information.access import AccessPolicy, CallerPolicy
from hub.information.answers import DisciplineCheck, EntityProfile
from hub.information.desk import QUESTION, InformationDesk, first_problem
from hub.information.service import BadQuery, QueryRefused
from hub.journal.journal_errors import JournalUnavailable

log = logging.getLogger(__name__)

#: The contract's namespace, WSDL, service and endpoint path.
INFORMATION_NS = "urn:supervision-hub:information:1"
INFORMATION_WSDL = Path(schemas.__file__).parent / "wsdl" / "information-service.wsdl"
SERVICE = "InformationService"
PATH = "/soap/information"
#: A question is a few short elements: larger requests are refused before they are read.
MAX_REQUEST_BYTES = 64 * 1024

#: SOAP operation -> the desk's operation and, per element of the WSDL, the question's field.
_OPERATIONS: dict[str, tuple[str, dict[str, str]]] = {
    "GetProfile": ("profile", {"purpose": "purpose", "creditCode": "credit_code",
                               "asOf": "as_of", "live": "live"}),
    "CheckDiscipline": ("discipline_check", {
        "purpose": "purpose", "creditCode": "credit_code", "department": "department",
        "licenceItem": "licence_item", "on": "on"}),
    "SearchByName": ("search_by_name", {"purpose": "purpose", "name": "name",
                                        "offset": "offset", "limit": "limit"}),
    "SearchByPerson": ("search_by_person", {"purpose": "purpose", "idNumber": "id_number",
                                            "offset": "offset"}),
}
_UNAUTHENTICATED = "auth.unauthenticated"


def _q(local: str) -> str:
    return f"{{{INFORMATION_NS}}}{local}"


class InformationSoapDoor:
    """Answers SOAP requests from ``desk`` to the callers of ``policy``; plug :meth:`admit`
    and :meth:`handle` into a :class:`SoapHttpServer` (:func:`soap_door_running` does)."""

    def __init__(self, desk: InformationDesk, policy: AccessPolicy, *,
                 password_text: bool) -> None:
        self.desk = desk
        self.policy = policy
        self._callers = Callers(policy.passwords(), password_text=password_text)

    def admit(self, request: HttpRequest) -> HttpAnswer | None:
        """Wrong HTTP Basic credentials are refused before the body is read."""
        try:
            self._basic(request)
        except SoapFault as fault:
            log.info("information SOAP door: refused %s: %s", request.peer, fault)
            return fault_answer(fault)
        return None

    def handle(self, request: HttpRequest) -> HttpAnswer:
        try:
            return HttpAnswer(200, self._answer(request))
        except SoapFault as fault:
            log.info("information SOAP door: %s: %s", request.peer, fault)
            return fault_answer(fault)

    def _answer(self, request: HttpRequest) -> bytes:
        caller_id = self._basic(request)
        soap = read_request(request.body, request.headers.get("content-type"),
                            frozenset({SECURITY}))
        with _unauthenticated():
            token = username_token(soap.header)
            if token is not None:
                caller_id = self._callers.check_token(token)
        if caller_id is None:
            raise SoapFault("Client", _UNAUTHENTICATED, "no credentials: send a WS-Security "
                            "UsernameToken or HTTP Basic")
        caller: CallerPolicy = self.policy.callers[caller_id]
        operation = etree.QName(soap.operation).localname
        question = _question(soap.operation)
        try:
            answer: BaseModel = self.desk.answer(caller, question)
        except (BadQuery, QueryRefused) as e:
            raise SoapFault("Client", e.code, str(e)) from e
        except JournalUnavailable as e:
            log.warning("information SOAP door: the database is unavailable (%s)", e)
            raise SoapFault("Server", "journal_unavailable",
                            "the supervision database is unavailable; ask again later") from e
        return _response(operation, answer)

    def _basic(self, request: HttpRequest) -> str | None:
        with _unauthenticated():
            basic = basic_credentials(request.headers.get("authorization"))
            return self._callers.check_basic(*basic) if basic is not None else None


@contextmanager
def _unauthenticated() -> Iterator[None]:
    """The SOAP credential checks' refusals under this door's code."""
    try:
        yield
    except SoapFault as fault:
        if fault.code != "adapter.unauthorised":
            raise
        raise SoapFault("Client", _UNAUTHENTICATED, fault.message) from fault


def _question(element: etree._Element) -> Any:
    """The desk's question for the operation ``element``; a Client fault if it is none."""
    name = etree.QName(element)
    if name.namespace != INFORMATION_NS or name.localname not in _OPERATIONS:
        raise SoapFault("Client", "adapter.unsupported",
                        f"no operation {name.localname!r} in {INFORMATION_NS}")
    operation, fields = _OPERATIONS[name.localname]
    values: dict[str, str] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        part = etree.QName(child)
        field = fields.get(part.localname) if part.namespace == INFORMATION_NS else None
        path = f"{name.localname}/{part.localname}"
        if field is None:
            raise SoapFault("Client", "validation_error", f"unexpected element {child.tag}",
                            path=path)
        if field in values or len(child):
            raise SoapFault("Client", "validation_error",
                            f"{part.localname} must be one text element", path=path)
        values[field] = child.text or ""
    try:
        return QUESTION.validate_python({"operation": operation, **values})
    except ValidationError as e:
        raise SoapFault("Client", "validation_error", first_problem(e)) from e


def _response(operation: str, answer: BaseModel) -> bytes:
    element = etree.Element(_q(f"{operation}Response"), nsmap={"inf": INFORMATION_NS})
    if isinstance(answer, DisciplineCheck):
        etree.SubElement(element, _q("restricted")).text = str(answer.restricted).lower()
    elif isinstance(answer, EntityProfile):
        etree.SubElement(element, _q("creditCode")).text = answer.credit_code
    etree.SubElement(element, _q("answer")).text = answer.model_dump_json()
    return envelope(element)


@contextmanager
def soap_door_running(
    hub: Hub, policy: AccessPolicy, *, host: str, port: int, tls: TlsConfig | None = None,
    behind_tls_proxy: bool = False, public_url: str | None = None,
) -> Iterator[SoapHttpServer]:
    """``hub``'s SOAP door listening on ``host:port`` (0: a free port), with a desk of its own
    (:meth:`Hub.information_desk`); stopped and closed when the block ends. Raises
    OSError if the address cannot be bound, ConfigError for plain HTTP off loopback."""
    with hub.information_desk() as desk:
        door = InformationSoapDoor(
            desk, policy, password_text=tls is not None or behind_tls_proxy or is_loopback(host))
        server = SoapHttpServer(
            host=host, port=port, path=PATH, handle=door.handle, admit=door.admit,
            wsdl=lambda address: served_wsdl(SERVICE, address, INFORMATION_WSDL),
            wsdl_address=public_url, max_request_bytes=MAX_REQUEST_BYTES, tls=tls,
            behind_tls_proxy=behind_tls_proxy, name="information SOAP door")
        server.start()
        try:
            yield server
        finally:
            server.stop()
