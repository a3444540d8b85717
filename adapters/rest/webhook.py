"""The webhook behind ``rest-push``: every answer it gives (served by :mod:`.webhook_server`:
:meth:`Webhook.admit` decides from the headers, before the body is read; :meth:`Webhook.take`
has the body).

Every answer is JSON. Errors are ``{"error": {"code", "message", "path"}}`` with a code a
program can act on; a refused body that was quarantined also carries the hub ``message_id``
of the quarantined copy (the core sends feedback about it to the source as well).

| Status | Code | When |
|---|---|---|
| 202 | | records submitted (``accepted``: index and hub message id of each) |
| 400 | adapter.malformed / adapter.encoding / adapter.unsupported | unreadable body or record type; quarantined (an empty body: nothing to keep) |
| 401 | adapter.unauthorised | missing or wrong bearer token; nothing kept |
| 404 / 405 | http.not_found / http.method_not_allowed | not a webhook address |
| 408 | http.timeout | the request did not arrive within ``request_timeout_seconds``; nothing kept |
| 411 / 413 | http.length_required / http.too_large | no Content-Length / body over the limit; nothing kept |
| 503 | hub.unavailable | the hub cannot take records now; ``Retry-After`` says when to try again |

Bodies are read by the pipeline's own strict reader (:func:`transforms.read_json`): a body the
hub would refuse is refused here (``adapter.encoding`` for encodings, else ``adapter.malformed``,
the message starting with the reader's own code: ``json.duplicate_key``, ``json.too_deep``,
``json.lone_surrogate``, ``json.number_too_large``, ``json.malformed``...), quarantined, and the
source hears back; numbers travel on exactly as sent.

An array may mix good records and bad elements: the good ones are submitted, each bad element
is quarantined on its own (path ``[i]``), and the answer lists both (202 if anything was
accepted, else 400).
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from adapters.rest.json_paths import PathMissing, find
from adapters.rest.pull_config import RECORD_TYPE
from adapters.sdk import (
    InboundPort,
    InboundRecord,
    RecordProblem,
    TransientError,
    unreadable_json,
)
from transforms import TransformError, read_json, write_json

if TYPE_CHECKING:
    from adapters.rest.push_config import RestPushConfig



@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, JSON body, extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error(status: int, code: str, message: str, *, path: str = "",
          message_id: str | None = None, headers: dict[str, str] | None = None) -> Answer:
    body: dict[str, Any] = {"error": {"code": code, "message": message, "path": path}}
    if message_id is not None:
        body["message_id"] = message_id
    return Answer(status, body, headers or {})


class Webhook:
    """Turns requests into port calls and answers. Thread-safe (the port is)."""

    def __init__(self, config: RestPushConfig, port: InboundPort, tokens: list[str],
                 log: logging.Logger) -> None:
        self.config = config
        self.port = port
        self.log = log
        self.last_outcome = "no request yet"
        self._tokens = [t.encode("utf-8") for t in tokens]

    def get(self, path: str) -> Answer:
        if urlsplit(path).path == self.config.health_path:
            return Answer(200, {"status": "ok", "source": self.port.source})
        return error(404, "http.not_found", f"nothing at {urlsplit(path).path}")

    def admit(self, path: str, headers: Message) -> Answer | None:
        """The answer to a POST from its path and headers alone (wrong address, credentials,
        length), or None when its body is to be read and given to :meth:`take`."""
        prefix = self.config.path_prefix.rstrip("/")
        target = urlsplit(path).path
        if target != prefix and not target.startswith(prefix + "/"):
            return error(404, "http.not_found", f"POST records to {prefix}/<record_type>")
        if not self._authorised(headers.get("Authorization")):
            return error(401, "adapter.unauthorised", "a valid bearer token is required",
                         headers={"WWW-Authenticate": 'Bearer realm="supervision-hub"'})
        length = declared_length(headers.get("Content-Length"))
        if isinstance(length, Answer):
            return length
        if length > self.config.max_body_bytes:
            return error(413, "http.too_large",
                         f"the body has {length} bytes; at most {self.config.max_body_bytes}")
        if length == 0:  # nothing to keep, so nothing to quarantine
            return error(400, "adapter.malformed", "the body is empty")
        return None

    def take(self, path: str, headers: Message, raw: bytes) -> Answer:
        """Submit (or quarantine) the records of an admitted POST's body."""
        prefix = self.config.path_prefix.rstrip("/")
        target = urlsplit(path).path
        content_type = headers.get("Content-Type") or "application/json"
        record_type = (unquote(target[len(prefix):].strip("/")) or headers.get("X-Record-Type")
                       or self.config.record_type)
        problem = self._type_problem(record_type)
        if problem is not None:
            return self._refuse(raw, problem, None, content_type)
        assert record_type is not None
        value, problem = _parse(raw, headers.get_content_charset())
        if problem is not None:
            return self._refuse(raw, problem, record_type, content_type)
        if isinstance(value, dict):
            return self._take([value], record_type, headers.get("X-Message-Id"))
        if isinstance(value, list):
            return self._take(value, record_type, None)
        problem = RecordProblem("adapter.malformed",
                                "the body is a JSON scalar; send an object or an array of objects")
        return self._refuse(raw, problem, record_type, content_type)

    def _authorised(self, header: str | None) -> bool:
        if self.config.allow_anonymous and header is None:
            return True
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        given = token.strip().encode("utf-8")
        return any(hmac.compare_digest(given, known) for known in self._tokens)

    def _type_problem(self, record_type: str | None) -> RecordProblem | None:
        if not record_type:
            return RecordProblem("adapter.unsupported", "no record type: POST to "
                                 f"{self.config.path_prefix}/<record_type>")
        if not RECORD_TYPE.match(record_type) or record_type not in self.config.record_types:
            allowed = ", ".join(self.config.record_types)
            return RecordProblem("adapter.unsupported",
                                 f"record type {record_type[:64]!r} is not one of: {allowed}")
        return None

    def _refuse(self, raw: bytes, problem: RecordProblem, record_type: str | None,
                content_type: str) -> Answer:
        """Quarantine the whole body and answer 400 (503 if the hub cannot take it now)."""
        try:
            message_id = self.port.reject(raw, problem, record_type=record_type,
                                          content_type=content_type)
        except TransientError as e:
            return self._unavailable(e)
        self.last_outcome = f"refused a body ({problem.code})"
        return error(400, problem.code, problem.message, path=problem.path, message_id=message_id)

    def _take(self, values: list[Any], record_type: str, header_id: str | None) -> Answer:
        good: list[tuple[int, InboundRecord]] = []
        bad: list[tuple[int, bytes, RecordProblem]] = []
        for index, value in enumerate(values):
            data = write_json(value)  # numbers exactly as sent
            if isinstance(value, dict):
                ident = header_id or self._id_of(value)
                good.append((index, InboundRecord(data, record_type, source_message_id=ident)))
            else:
                message = f"element {index} is not a JSON object"
                bad.append((index, data, RecordProblem("adapter.malformed", message, f"[{index}]")))
        try:
            ids = self.port.submit([record for _, record in good]) if good else []
            rejected = [
                {"index": index, "code": problem.code, "message": problem.message,
                 "message_id": self.port.reject(data, problem, record_type=record_type,
                                                content_type="application/json")}
                for index, data, problem in bad
            ]
        except TransientError as e:
            return self._unavailable(e)
        accepted = [{"index": index, "message_id": mid} for (index, _), mid in zip(good, ids, strict=True)]
        self.last_outcome = f"took {len(accepted)} records, refused {len(rejected)}"
        status = 202 if accepted or not rejected else 400
        return Answer(status, {"accepted": accepted, "rejected": rejected})

    def _id_of(self, record: dict[str, Any]) -> str | None:
        if self.config.id_field is None:
            return None
        try:
            value = find(record, self.config.id_field)
        except PathMissing:
            return None
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None

    def _unavailable(self, e: TransientError) -> Answer:
        self.last_outcome = f"hub unavailable: {e}"
        self.log.warning("answering 503: %s", e)
        seconds = str(self.config.retry_after_seconds)
        return error(503, "hub.unavailable", "the hub cannot take records now; try again later",
                     headers={"Retry-After": seconds})


def declared_length(header: str | None) -> int | Answer:
    if header is None:
        return error(411, "http.length_required", "send Content-Length (chunked is not accepted)")
    try:
        length = int(header)
    except ValueError:
        length = -1
    if length < 0:
        return error(400, "http.bad_length", f"Content-Length {header[:20]!r} is not a length")
    return length


def _parse(raw: bytes, charset: str | None) -> tuple[Any, RecordProblem | None]:
    """The JSON value of ``raw`` read by the hub's one strict reader (the pipeline's), or the
    problem that stops reading it, with the reader's own reason code."""
    try:
        return read_json(raw, charset), None
    except TransformError as e:
        return None, unreadable_json(e.code, e.message, e.path)
