"""The options of ``rest-push``: where the webhook listens, who may push, what it accepts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from adapters.rest.json_paths import check_path
from adapters.rest.pull_config import RECORD_TYPE
from adapters.sdk import SecretRef
from adapters.sdk.http_options import ServedConfig, TlsConfig
from schemas.record_types import RECORD_TYPES


class RestPushConfig(ServedConfig):
    """Serve a webhook for one source system."""

    host: str = Field(
        default="127.0.0.1", description="Address to listen on (0.0.0.0: every interface)."
    )
    port: int = Field(ge=0, le=65535, description="TCP port to listen on (0: any free port).")
    path_prefix: str = Field(
        default="/records", pattern=r"^/[A-Za-z0-9_\-/]*$",
        description="Records are POSTed to <path_prefix>/<record_type> or <path_prefix>.",
    )
    health_path: str = Field(default="/health", pattern=r"^/", description="Health endpoint.")
    tokens: list[SecretRef] = Field(
        default_factory=list,
        description="Bearer tokens the source may use, by reference (several while rotating).",
    )
    allow_anonymous: bool = Field(
        default=False,
        description="Accept requests without a token (only behind a gateway that authenticates).",
    )
    record_type: str | None = Field(
        default=None, description="Record type when neither the path nor the header names one."
    )
    record_types: list[str] = Field(
        default_factory=lambda: list(RECORD_TYPES),
        description="Record types this source may push (default: every type of the standard).",
    )
    id_field: str | None = Field(
        default=None,
        description="Dotted path in each record to its id at the system (the source message "
        "id); a single record may also carry it in the X-Message-Id header.",
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1, description="Largest request body accepted (else 413)."
    )
    retry_after_seconds: int = Field(
        default=30, ge=1, description="Retry-After sent with 503 while the hub cannot take records."
    )
    tls_certificate: Path | None = Field(
        default=None,
        description="Older spelling of tls.cert (a plain path); prefer tls.",
    )
    tls_key: Path | None = Field(
        default=None, description="Older spelling of tls.key (a plain path); prefer tls."
    )
    request_timeout_seconds: float = Field(
        default=30.0, gt=0, description="How long a client may take to send its whole request "
        "(headers and body); then 408 and the connection is closed."
    )

    max_concurrent_requests: int = Field(
        default=32, gt=0, description="Requests handled at once; more are answered 503 with "
        "Retry-After at once (the source tries again).")

    @field_validator("record_type")
    @classmethod
    def _record_type(cls, value: str | None) -> str | None:
        if value is not None and not RECORD_TYPE.match(value):
            raise ValueError(f"{value!r} is not a record type id")
        return value

    @field_validator("id_field")
    @classmethod
    def _id_field(cls, value: str | None) -> str | None:
        return value if value is None else check_path(value)

    @model_validator(mode="after")
    def _authenticated(self) -> RestPushConfig:
        if not self.tokens and not self.allow_anonymous:
            raise ValueError("give tokens (or allow_anonymous: true behind an authenticating gateway)")
        if (self.tls_certificate is None) != (self.tls_key is None):
            raise ValueError("give both tls_certificate and tls_key, or neither")
        if self.tls_certificate is not None and self.tls is not None:
            raise ValueError("give tls or tls_certificate/tls_key, not both")
        if self.record_type is not None and self.record_type not in self.record_types:
            raise ValueError(f"record_type {self.record_type!r} is not in record_types")
        return self

    def served_tls(self) -> TlsConfig | None:
        if self.tls is None and self.tls_certificate is not None and self.tls_key is not None:
            return TlsConfig(cert=f"file:{self.tls_certificate}", key=f"file:{self.tls_key}")
        return self.tls
