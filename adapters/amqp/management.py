"""A small client of the RabbitMQ HTTP management API, with the hub's error taxonomy.

Only what the ``amqp`` mode needs: read, create or replace and delete one object by path. Every
answer is mapped to what the runtime does with it:

- the API cannot be reached, times out, answers 429 or 5xx: :class:`TransientError`;
- 401 (credentials refused) and 403 (the management user may not manage users and permissions,
  i.e. lacks the ``administrator`` tag): :class:`ConfigError`, naming the API and the references
  the credentials came from (never the credentials);
- 404 on a read: ``None`` (the object does not exist); on a write: :class:`ConfigError` (the
  virtual host or the user the path names is missing);
- any other answer: :class:`PermanentError` with the API's own reason.

Each call is one request with its own connection, so one client may be used from any thread
(``health`` runs on the monitor's thread while ``start`` runs on the adapter loop's).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests
from pydantic import SecretStr

from adapters.sdk.adapter_errors import ConfigError, PermanentError, TransientError
from adapters.sdk.config import mask_url

#: Answers that mean "not now" rather than "never".
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def segment(name: str) -> str:
    """``name`` as one path segment: the vhost ``/`` is ``%2F``, as the API requires."""
    return quote(name, safe="")


class ManagementApi:
    """The management API at ``base_url`` (``http://127.0.0.1:15672``), as an administrator.

    ``credentials_from`` describes where the credentials came from (their references), for
    error messages.
    """

    def __init__(
        self,
        base_url: str,
        user: SecretStr,
        password: SecretStr,
        *,
        credentials_from: str,
        timeout: float = 10.0,
        verify: bool | str = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._auth = (user.get_secret_value(), password.get_secret_value())
        self._credentials_from = credentials_from
        self._timeout = timeout
        self._verify = verify

    @property
    def where(self) -> str:
        """The API's address without any password, for messages."""
        return mask_url(self.base_url)

    def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        """The JSON at ``path``, or None when the object does not exist (404)."""
        response = self._request("GET", path, params=params)
        if response.status_code == 404:
            return None
        try:
            return response.json()
        except ValueError as e:
            raise PermanentError(
                f"RabbitMQ management API at {self.where}: GET {path} did not answer JSON: "
                f"{response.text[:200]!r}"
            ) from e

    def put(self, path: str, body: dict[str, Any]) -> None:
        """Create or replace the object at ``path`` (the API's PUT is idempotent)."""
        response = self._request("PUT", path, json=body)
        if response.status_code == 404:
            raise ConfigError(
                f"RabbitMQ management API at {self.where}: PUT {path} answered 404 "
                f"({_reason(response)}): the virtual host or user it names does not exist"
            )

    def delete(self, path: str) -> bool:
        """Delete the object at ``path``; False if it did not exist."""
        return self._request("DELETE", path).status_code != 404

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        try:
            response = requests.request(
                method, url, params=params, json=json, auth=self._auth,
                timeout=self._timeout, verify=self._verify,
                headers={"content-type": "application/json"} if json is not None else None,
            )
        except (requests.ConnectionError, requests.Timeout) as e:
            raise TransientError(
                f"RabbitMQ management API at {self.where} cannot be reached "
                f"({type(e).__name__}); is the rabbitmq_management plugin enabled?"
            ) from e
        status = response.status_code
        if status < 300 or status == 404:
            return response
        summary = f"RabbitMQ management API at {self.where}: {method} {path} answered {status}"
        if status == 401:
            raise ConfigError(
                f"{summary}: the management credentials ({self._credentials_from}) were refused; "
                "check the user name and password those references give"
            )
        if status == 403:
            raise ConfigError(
                f"{summary} ({_reason(response)}): the management user "
                f"({self._credentials_from}) needs the 'administrator' tag to manage users "
                "and permissions"
            )
        if status in TRANSIENT_STATUS:
            raise TransientError(f"{summary}: {_reason(response)}")
        raise PermanentError(f"{summary}: {_reason(response)}")


def _reason(response: requests.Response) -> str:
    """The API's own explanation (``{"error": ..., "reason": ...}``), or the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "reason" in body:
        return str(body["reason"])[:300]
    return response.text[:200]
