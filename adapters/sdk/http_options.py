"""What every HTTP door of the hub is configured with: TLS files and whether it may be exposed.

Contract:
- :class:`TlsConfig` names a certificate chain and its key (PEM), and optionally the CA whose
  certificates clients must present (mutual TLS: a client without one, or with one from
  another CA, fails the handshake). Each is a ``file:/path`` reference an operator provides;
  the files are read only when the server starts (:class:`ConfigError` if unusable).
- :class:`ServedConfig` is the base of the adapters that serve HTTP (``soap-serve``,
  ``rest-push``): ``tls`` and ``behind_tls_proxy``.
- :func:`check_exposure`: a door on a non-loopback address without TLS is refused
  (:class:`ConfigError`) unless it is declared to sit behind a TLS-terminating proxy; the
  credentials it receives would otherwise cross the network in clear text.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from adapters.sdk.config import AdapterConfig
from schemas.contract.errors import ConfigError


def _is_file_reference(value: str) -> str:
    if not value.startswith("file:") or len(value) == len("file:"):
        raise ValueError("give the file by reference: 'file:/path/to/file.pem'")
    return value


#: A PEM file by reference: ``file:/path``.
FileRef = Annotated[str, AfterValidator(_is_file_reference)]


def file_path(reference: str) -> Path:
    """The path a :data:`FileRef` names."""
    return Path(reference.removeprefix("file:"))


class TlsConfig(BaseModel):
    """Serve HTTPS with these files; with ``client_ca``, require client certificates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cert: FileRef = Field(description="PEM certificate chain the server presents (file:/path).")
    key: FileRef = Field(description="PEM private key of cert (file:/path; readable by the hub only).")
    client_ca: FileRef | None = Field(
        default=None, description="PEM CA certificate(s) a client's certificate must be issued "
        "by (mutual TLS); unset: no client certificate asked for.")

    def files(self) -> tuple[Path, Path, Path | None]:
        """Certificate, key and client CA paths."""
        ca = file_path(self.client_ca) if self.client_ca is not None else None
        return file_path(self.cert), file_path(self.key), ca


class ServedConfig(AdapterConfig):
    """Options every adapter that serves HTTP shares, besides its host and port."""

    tls: TlsConfig | None = Field(
        default=None, description="Serve HTTPS: {cert: file:..., key: file:..., client_ca: "
        "file:... (optional, mutual TLS)}. Needed on any address but loopback unless "
        "behind_tls_proxy.")
    behind_tls_proxy: bool = Field(
        default=False, description="The endpoint is reached only through a proxy that "
        "terminates TLS, so plain HTTP on a non-loopback address is allowed.")

    @model_validator(mode="after")
    def _not_exposed(self) -> ServedConfig:
        host = getattr(self, "host", "127.0.0.1")
        if self.served_tls() is None and not self.behind_tls_proxy and not is_loopback(host):
            raise ValueError(
                f"refusing plain HTTP on {host}: give tls: {{cert: file:..., key: file:...}}, "
                "bind 127.0.0.1, or set behind_tls_proxy: true if a proxy terminates TLS")
        return self

    def served_tls(self) -> TlsConfig | None:
        """The TLS the endpoint serves with (an adapter with older options maps them here)."""
        return self.tls


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; False for wildcards and anything else."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(what: str, host: str, tls: TlsConfig | None, behind_tls_proxy: bool) -> None:
    """:class:`ConfigError` if ``what`` would serve plain HTTP on a non-loopback ``host``."""
    if tls is None and not behind_tls_proxy and not is_loopback(host):
        raise ConfigError(
            f"{what}: refusing to serve plain HTTP on {host}: credentials would cross the "
            "network in clear text. Give tls: {cert: file:..., key: file:...}, bind 127.0.0.1, "
            "or set behind_tls_proxy: true if a proxy terminates TLS in front of it")
