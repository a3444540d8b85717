"""Publishing records to the hub exactly as a department does (the README's AMQP contract).

Used by ``hub send``, the demo's simulated departments and the tests. It speaks only the
public contract: exchange ``hub.inbound``, routing key ``<source>.<record-type>``, persistent
messages with a content type, confirmed by the broker.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from hub.runtime.broker import BrokerSession
from schemas.contract.errors import ConfigError, PublishNotConfirmed
from schemas.contract.messages import OutboundMessage
from schemas.contract.topology import (
    INBOUND,
    REPLY_NAME_PATTERN,
    inbound_routing_key,
    is_reply_queue_of,
    reply_queue_prefix,
)
from transforms import TransformError, read_json, write_json

CONFIRM_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Record:
    """One record body ready to send, and where it came from (for reports)."""

    origin: str
    body: bytes
    content_type: str
    record_type: str | None = None


def records_from_file(path: Path) -> Iterator[Record]:
    """Split a file into record bodies: a JSON array gives one record per item.

    ``.xml`` files are sent whole (one record, or a source's own batch layout); the record type
    is taken from the root element when it names one. Other JSON is one record. JSON is read by
    the hub's strict reader; a file it refuses is sent whole, for the hub to refuse with feedback. The bytes of
    XML files are not decoded here: their declared encoding travels with them.
    """
    raw = path.read_bytes()
    if path.suffix.lower() == ".xml":
        yield Record(str(path), raw, "application/xml", _xml_root_name(raw))
        return
    try:
        document = read_json(raw)
    except TransformError:
        # JSON the hub refuses is sent as it is: rejecting it is the hub's job, with feedback.
        yield Record(str(path), raw, "application/json")
        return
    items = document if isinstance(document, list) else [document]
    for index, item in enumerate(items):
        body = write_json(item)  # numbers exactly as in the file
        origin = f"{path}#{index}" if isinstance(document, list) else str(path)
        yield Record(origin, body, "application/json")


def _xml_root_name(raw: bytes) -> str | None:
    try:
        for _, element in etree.iterparse(
            io.BytesIO(raw), events=("start",), resolve_entities=False, no_network=True
        ):
            return str(etree.QName(element).localname)
    except etree.LxmlError:
        return None
    return None


class Sender:
    """Publishes records for one source on an open :class:`BrokerSession`."""

    def __init__(self, session: BrokerSession, source: str) -> None:
        self._publisher = session.publisher()
        self.source = source

    def send(
        self,
        record: Record,
        record_type: str,
        *,
        reply_to: str | None = None,
        correlation_id: str | None = None,
    ) -> str:
        """Publish one record without waiting; returns its message id. Call :meth:`confirm`.

        ``reply_to`` must be one of the source's own reply queues, ``hub.reply.<source>.<name>``
        (the hub sends no copy anywhere else; RabbitMQ's direct reply-to needs a client that
        consumes it, which this one does not): :class:`ConfigError` otherwise, before anything
        is published.
        """
        if reply_to is not None and not is_reply_queue_of(self.source, reply_to):
            raise ConfigError(
                f"reply_to {reply_to[:80]!r} is not a reply queue of {self.source!r}: the hub "
                f"sends feedback copies only to {reply_queue_prefix(self.source)}<name> "
                f"(<name>: {REPLY_NAME_PATTERN}); feedback always reaches hub.out.{self.source}"
            )
        message_id = str(uuid.uuid4())
        message = OutboundMessage(
            exchange=INBOUND,
            routing_key=inbound_routing_key(self.source, record_type),
            body=record.body,
            content_type=record.content_type,
            content_encoding=None,
            message_id=message_id,
            correlation_id=correlation_id,
            reply_to=reply_to,
        )
        self._publisher.publish(message)
        return message_id

    def confirm(self) -> None:
        """Wait for the broker to confirm everything sent; raises if anything was refused."""
        failed = self._publisher.settle(CONFIRM_TIMEOUT_SECONDS)
        if failed:
            raise PublishNotConfirmed(f"the broker refused {len(failed)} of the records sent")
