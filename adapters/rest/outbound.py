"""``rest-out``: deliver each envelope to an HTTP endpoint by POST or PUT, with requests."""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import urlsplit

import requests
from pydantic import Field, field_validator

from adapters.sdk import (
    Health,
    OutboundAdapter,
    OutboundConfig,
    PermanentError,
    SecretRef,
    TransientError,
    resolve_secret,
)
from schemas.contract.envelope import Envelope

#: HTTP answers that mean "not now" rather than "never".
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class RestOutConfig(OutboundConfig):
    """Send the envelope as the JSON body of an HTTP request."""

    url: str = Field(description="Where to send the envelope (http or https). `{content_hash}` "
                     "and `{message_id}` in it are filled in per record (for PUT).")
    method: Literal["POST", "PUT"] = Field(default="POST", description="HTTP method.")
    timeout_seconds: float = Field(default=10.0, gt=0, description="Connect and read timeout.")
    token: SecretRef | None = Field(
        default=None, description="Bearer token, by reference (env:NAME or file:/path)."
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class RestOutAdapter(OutboundAdapter[RestOutConfig]):
    """The envelope as the request body; ``Idempotency-Key`` carries the content hash.

    2xx is delivered; 408, 425, 429 and 5xx, timeouts and refused connections are transient;
    any other answer is permanent (the system understood and refused the record).
    """

    kind: ClassVar[str] = "rest-out"
    mode = "rest"
    Config = RestOutConfig
    summary: ClassVar[str] = "POST or PUT each record as JSON to an HTTP endpoint."

    def __init__(self, config: RestOutConfig, *, system: str) -> None:
        super().__init__(config, system=system)
        self._session = requests.Session()
        self._last = Health(True, "nothing delivered yet")

    def deliver(self, envelope: Envelope, body: bytes) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": envelope.content_hash,
            "X-Hub-Message-Id": envelope.message_id,
            "X-Hub-Record-Type": envelope.record_type,
        }
        if self.config.token is not None:
            headers["Authorization"] = f"Bearer {resolve_secret(self.config.token).get_secret_value()}"
        url = self.config.url.replace("{content_hash}", envelope.content_hash).replace(
            "{message_id}", envelope.message_id
        )
        try:
            response = self._session.request(
                self.config.method, url, data=body, headers=headers,
                timeout=self.config.timeout_seconds,
            )
        except (requests.ConnectionError, requests.Timeout) as e:
            self._last = Health(False, f"{type(e).__name__}")
            raise TransientError(f"{self.config.url}: {type(e).__name__}: {e}") from e
        summary = f"{self.config.url} answered {response.status_code}: {response.text[:200]}"
        if 200 <= response.status_code < 300:
            self._last = Health(True, f"last delivery answered {response.status_code}")
            return
        if response.status_code in TRANSIENT_STATUS:
            self._last = Health(False, f"answered {response.status_code}")
            raise TransientError(summary)
        raise PermanentError(summary)

    def start(self) -> None:
        """Check that the token's reference resolves (ConfigError now, not at the first record)."""
        if self.config.token is not None:
            resolve_secret(self.config.token)

    def health(self) -> Health:
        """The outcome of the last delivery (an outbound endpoint has no standard probe)."""
        return self._last

    def stop(self) -> None:
        self._session.close()
