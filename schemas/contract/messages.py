"""Plain message values passed between the broker layer and the pipeline stages.

The stages never see kombu objects: they take an :class:`InboundMessage` and return
:class:`OutboundMessage` values, which keeps them testable without any broker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Header in which the hub counts the attempts at one input (set when it is retried).
ATTEMPT_HEADER = "hub-attempt"
#: Header in which the hub's own inbound port (adapters) names the hub message id it has
#: already given a record, so the id an adapter answers its caller with is the one the hub
#: journals. Believed only from the hub's own broker user (see ``InboundMessage.user_id``).
HUB_MESSAGE_ID_HEADER = "hub-message-id"
#: Header on an input the hub publishes again from its journal (``hub replay``): the message id
#: of the input it replays. A replay is an input of its own, with a new hub message id.
REPLAY_OF_HEADER = "hub-replay-of"


@dataclass(frozen=True)
class InboundMessage:
    """A message as a source published it, with the AMQP properties the hub reads."""

    body: bytes
    routing_key: str
    content_type: str | None = None
    content_encoding: str | None = None
    message_id: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    #: The AMQP ``user_id`` property: RabbitMQ refuses a publish whose ``user_id`` is not the
    #: publisher's authenticated user, so it says who published (None when not set).
    user_id: str | None = None

    def copy_to(
        self, exchange: str, routing_key: str, headers: Mapping[str, Any], message_id: str | None,
        correlation_id: str | None,
    ) -> OutboundMessage:
        """This message's body and content properties, addressed elsewhere with new headers."""
        return OutboundMessage(
            exchange=exchange,
            routing_key=routing_key,
            body=self.body,
            content_type=self.content_type or "application/octet-stream",
            content_encoding=self.content_encoding,
            headers=headers,
            message_id=message_id,
            correlation_id=correlation_id,
        )

    @property
    def attempt(self) -> int:
        """1 for the first try; the retry path increments the header."""
        try:
            return max(1, int(self.headers.get(ATTEMPT_HEADER, 1)))
        except (TypeError, ValueError):
            return 1


@dataclass(frozen=True)
class OutboundMessage:
    """A persistent message the hub publishes, confirmed before its input is acked."""

    exchange: str
    routing_key: str
    body: bytes
    content_type: str
    content_encoding: str | None = "utf-8"
    headers: Mapping[str, Any] = field(default_factory=dict)
    message_id: str | None = None
    correlation_id: str | None = None
    reply_to: str | None = None
    mandatory: bool = True
    #: Sent as the AMQP ``user_id`` property (the broker checks it against the connection's user).
    user_id: str | None = None

    def properties(self) -> dict[str, Any]:
        """Keyword arguments for kombu's ``Producer.publish``."""
        props: dict[str, Any] = {
            "exchange": self.exchange,
            "routing_key": self.routing_key,
            "content_type": self.content_type,
            "content_encoding": self.content_encoding or "binary",
            "headers": dict(self.headers),
            "delivery_mode": 2,
            "mandatory": self.mandatory,
        }
        if self.message_id:
            props["message_id"] = self.message_id
        if self.correlation_id:
            props["correlation_id"] = self.correlation_id
        if self.reply_to:
            props["reply_to"] = self.reply_to
        if self.user_id:
            props["user_id"] = self.user_id
        return props
