"""Adapter configuration: a pydantic model per adapter, strict, with secrets kept out of sight.

Every adapter declares ``Config``, a subclass of :class:`AdapterConfig`. Contract:
- unknown keys are refused (a misspelt option is an error at start-up, not a silent default);
- credentials are never written in a config file: a :data:`SecretRef` field holds a reference,
  ``env:NAME`` (an environment variable) or ``file:/path`` (a file's content, trailing newline
  dropped), resolved only when the adapter asks with :func:`resolve_secret`;
- :func:`masked` gives the config as a dict safe to print or log: resolved secrets (pydantic
  ``SecretStr``) show as ``**********`` and passwords inside URLs are replaced the same way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from schemas.contract.errors import ConfigError

MASK = "**********"
_REFERENCE = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$")


def _is_reference(value: str) -> str:
    if not _REFERENCE.match(value):
        raise ValueError(
            "a credential is given by reference, 'env:VARIABLE' or 'file:/path', never inline"
        )
    return value


#: A credential by reference: ``env:NAME`` or ``file:/path``.
SecretRef = Annotated[str, AfterValidator(_is_reference)]


def resolve_secret(reference: str) -> SecretStr:
    """The credential a :data:`SecretRef` points at. :class:`ConfigError` if it is missing."""
    scheme, _, target = reference.partition(":")
    if scheme == "env":
        value = os.environ.get(target)
        if value is None:
            raise ConfigError(f"credential {reference}: environment variable {target} is not set")
        return SecretStr(value)
    try:
        return SecretStr(Path(target).read_text(encoding="utf-8").rstrip("\r\n"))
    except OSError as e:
        raise ConfigError(f"credential {reference}: cannot read the file: {e}") from e


class AdapterConfig(BaseModel):
    """Base of every adapter's configuration. ``kind`` names the adapter in the registry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="The adapter's registered name.")


class OutboundConfig(AdapterConfig):
    """What every outbound adapter accepts besides its own options."""

    retry_schedule: str | None = Field(
        default=None,
        description="Waits between delivery attempts for this destination (e.g. 1m,10m,1h,6h); "
        "unset: HUB_DELIVERY_RETRY_SCHEDULE.",
    )


def mask_url(url: str) -> str:
    """``url`` with any password replaced by the mask (``scheme://user:****@host/...``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{netloc}"))


def masked(config: BaseModel) -> dict[str, Any]:
    """The config as plain data with every secret masked (for logs, CLI output and errors)."""
    return {name: _mask(getattr(config, name)) for name in type(config).model_fields}


def _mask(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, BaseModel):
        return masked(value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "unicode_string"):  # pydantic URL types
        return mask_url(str(value))
    return value
