"""Destinations: how the hub hands a unified record to a system that does not read AMQP.

A destination's ``deliver`` either returns (delivered), or raises :class:`TransientError`
(try again later: the system is down, slow or overloaded) or :class:`PermanentError` (this
record will never be accepted as it is: the system rejected it). The runner decides what
happens next; destinations never touch the broker, the journal or metrics.

Shipped kinds: ``webhook`` (HTTP POST of the envelope with requests). Systems that consume their
``hub.out.<id>`` queue over AMQP themselves need no destination.
"""

from __future__ import annotations

import os
from typing import Literal, Protocol

import requests
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from hub.envelope import Envelope
from hub.errors import PermanentError, TransientError

#: HTTP answers that mean "not now" rather than "never".
_TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class Destination(Protocol):
    """Delivers envelopes to one external system."""

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        """Deliver ``envelope`` (``body`` is its JSON as received). Raises on failure."""

    def close(self) -> None:
        """Release connections; called once when the runner stops."""


class DeliveryOptions(BaseModel):
    """What every destination kind may set, whatever its protocol."""

    model_config = ConfigDict(extra="forbid")

    retry_schedule: str | None = Field(
        default=None,
        description="Waits between attempts for this destination (e.g. 1m,10m,1h,6h,24h); "
        "unset: HUB_DELIVERY_RETRY_SCHEDULE.",
    )


class WebhookConfig(DeliveryOptions):
    """POST each envelope as JSON to a URL."""

    kind: Literal["webhook"] = Field(description="Deliver by HTTP POST.")
    url: HttpUrl = Field(description="Where to POST the envelope.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Connect and read timeout.")
    token_env: str | None = Field(
        default=None,
        description="Name of the environment variable holding a bearer token (never the token).",
    )


class WebhookDestination:
    """The envelope as the request body; ``Idempotency-Key`` carries the content hash.

    2xx is delivered; 408, 425, 429 and 5xx, timeouts and refused connections are transient;
    any other answer is permanent (the system understood and refused the record).
    """

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config
        self._session = requests.Session()

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": envelope.content_hash,
            "X-Hub-Message-Id": envelope.message_id,
            "X-Hub-Record-Type": envelope.record_type,
        }
        if self.config.token_env:
            token = os.environ.get(self.config.token_env)
            if not token:
                raise PermanentError(f"environment variable {self.config.token_env} is not set")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._session.post(
                str(self.config.url), data=body, headers=headers, timeout=self.config.timeout_seconds
            )
        except (requests.ConnectionError, requests.Timeout) as e:
            raise TransientError(f"{self.config.url}: {type(e).__name__}: {e}") from e
        if 200 <= response.status_code < 300:
            return
        summary = f"{self.config.url} answered {response.status_code}: {response.text[:200]}"
        if response.status_code in _TRANSIENT_STATUS:
            raise TransientError(summary)
        raise PermanentError(summary)

    def close(self) -> None:
        self._session.close()


DestinationConfig = WebhookConfig


def build_destination(config: DestinationConfig) -> Destination:
    """The destination a config describes (one kind today; adapters add more)."""
    return WebhookDestination(config)
