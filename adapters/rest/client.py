"""What the REST adapters and clients share when they call a system: credentials and error mapping.

Contract of :func:`send`: a refused connection, a timeout or one of
:data:`~adapters.rest.outbound.TRANSIENT_STATUS` raises
:class:`~adapters.sdk.TransientError`; every other answer is returned for the caller to judge
(404 may mean "not found", other 4xx a configuration problem).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ConfigDict, Field

from adapters.rest.outbound import TRANSIENT_STATUS
from adapters.sdk import PermanentError, SecretRef, TransientError, resolve_secret


class BearerAuth(BaseModel):
    """``Authorization: Bearer <token>``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["bearer"] = Field(description="Bearer token authentication.")
    token: SecretRef = Field(description="The token, by reference (env:NAME or file:/path).")


class BasicAuth(BaseModel):
    """HTTP basic authentication."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["basic"] = Field(description="HTTP basic authentication.")
    username: str = Field(description="User name (not a secret).")
    password: SecretRef = Field(description="The password, by reference (env:NAME or file:/path).")


#: How a client proves who it is: ``{type: bearer, token: env:X}`` or
#: ``{type: basic, username: u, password: env:Y}``.
HttpAuth = Annotated[BearerAuth | BasicAuth, Field(discriminator="type")]


def check_http_url(value: str) -> str:
    """``value`` if it is an absolute http(s) URL; ValueError otherwise (for validators)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def authorise(session: requests.Session, auth: BearerAuth | BasicAuth | None) -> None:
    """Give ``session`` the credentials ``auth`` refers to (resolved now: ConfigError if unset)."""
    if isinstance(auth, BearerAuth):
        token = resolve_secret(auth.token).get_secret_value()
        session.headers["Authorization"] = f"Bearer {token}"
    elif isinstance(auth, BasicAuth):
        session.auth = (auth.username, resolve_secret(auth.password).get_secret_value())


def send(
    session: requests.Session, method: str, url: str, *, timeout: float,
    max_bytes: int | None = None, **kwargs: Any,
) -> requests.Response:
    """One request; transient failures raise TransientError, other answers are returned.

    With ``max_bytes``, the answer's body is read as it arrives and refused beyond that many
    bytes (:class:`PermanentError`), so a system answering without end cannot exhaust memory.
    """
    try:
        response = session.request(method, url, timeout=timeout, stream=max_bytes is not None,
                                   **kwargs)
        if max_bytes is not None:
            _read_bounded(response, max_bytes, f"{method} {url}")
    except (requests.ConnectionError, requests.Timeout) as e:
        raise TransientError(f"{method} {url}: {type(e).__name__}: {e}") from e
    if response.status_code in TRANSIENT_STATUS or response.status_code >= 500:
        raise TransientError(f"{method} {url} answered {describe(response)}")
    return response


def _read_bounded(response: requests.Response, max_bytes: int, what: str) -> None:
    """Read a streamed answer's body, at most ``max_bytes`` of it, into the response."""
    body = bytearray()
    for chunk in response.iter_content(chunk_size=64 * 1024):
        body += chunk
        if len(body) > max_bytes:
            response.close()
            raise PermanentError(f"{what}: the answer is over {max_bytes} bytes; refused unread")
    # requests keeps a read body here; .content, .text and .json() then serve it as usual.
    response._content = bytes(body)
    response.close()


def describe(response: requests.Response) -> str:
    """``"<status>: <start of the body>"``, for error messages and health details."""
    return f"{response.status_code}: {response.text[:200]}"
