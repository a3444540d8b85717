"""``amqp-direct``: a department that publishes to the hub's ``hub.inbound`` itself.

The broker moves the department's messages; this adapter owns the department's access. On
``start`` it makes the broker hold (see :mod:`adapters.amqp.access`, through the RabbitMQ
management API, idempotently) a user of the department's own, with the password its config
references, allowed to publish to ``hub.inbound`` under routing keys ``<system>.<type>`` only
(topic permissions), to read its own ``hub.out.<system>`` queue, and to declare and read its
own reply queues ``hub.reply.<system>.<name>`` (the only queues, beside RabbitMQ's direct
reply-to, a ``reply_to`` may name: :mod:`hub.pipeline.reply_to`), nothing else. The department
then speaks the hub's public AMQP contract; it declares nothing but its reply queues.

**What RabbitMQ's ``user_id`` validation gives.** When a publisher sets the ``user_id`` message
property, the broker checks it equals the user the connection logged in as and otherwise closes
the channel (406 PRECONDITION_FAILED) without routing the message; only users tagged
``impersonator`` may set another. So a ``user_id`` that reaches the hub names the account that
really published the message. It is optional, though: a message without it passes, so it
cannot prove anything about the messages that matter (a department posing as another would
simply leave it out). What stops a department publishing as another is the topic permission,
which the broker applies to every message, with ``user_id`` or without.

**Should the core also check ``user_id`` against the routing key's source?** No. The check
could only catch publishers that volunteer ``user_id``, i.e. honest ones; an impostor omits it.
The core would also have to learn the user -> system map from the connections file, coupling
the processor to adapter configuration. The guarantee is the broker's: every message on
``hub.inbound`` from an ``amqp-direct`` department's user has that department's id as its
routing-key source. What must hold for that, and what this adapter makes hold on every start
(restoring and logging any drift): the topic permissions exist (without them RabbitMQ allows
every key), the user may configure its own reply queues and nothing else (no exchange, no
binding), and it has no ``impersonator`` or management tag. Other accounts on the vhost (the hub's own, used by its adapters) are trusted by design.

``stop`` does not revoke access: the department keeps publishing while the hub restarts (its
messages wait in ``hub.inbound``). :meth:`AmqpDirectAdapter.revoke` deletes the user, for a
department that is disconnected for good.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator

from adapters.amqp.access import DepartmentAccess, ensure_access, revoke_access
from adapters.amqp.management import ManagementApi, segment
from adapters.sdk import (
    AdapterConfig,
    ConfigError,
    Health,
    InboundAdapter,
    InboundPort,
    SecretRef,
    resolve_secret,
)
from schemas.contract.errors import HubError


class AmqpDirectConfig(AdapterConfig):
    """The department's broker account, and how to reach the management API that makes it."""

    management_url: str = Field(
        default="http://127.0.0.1:15672",
        description="Base URL of the RabbitMQ management API of the hub's broker (http or "
        "https, no path).",
    )
    management_user: SecretRef = Field(
        description="Management API user with the 'administrator' tag, by reference "
        "(env:NAME or file:/path).",
    )
    management_password: SecretRef = Field(
        description="That user's password, by reference (env:NAME or file:/path).",
    )
    ca_bundle: str | None = Field(
        default=None,
        description="CA certificate file to verify an https management URL against; unset: the "
        "system's CAs.",
    )
    vhost: str = Field(
        default="/",
        description="The hub's virtual host: the one in the hub's broker URL (HUB_BROKER_URL).",
        min_length=1,
    )
    username: str | None = Field(
        default=None,
        description="The department's RabbitMQ user; unset: dept-<system>. The hub creates it "
        "and will not take over an existing user it did not create.",
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    )
    password: SecretRef = Field(
        description="The department's password, by reference (env:NAME or file:/path); the "
        "department is given the same value. A changed value is set at the next start.",
    )
    timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of each management API request."
    )

    @field_validator("management_url")
    @classmethod
    def _http_base(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL")
        if parts.path.strip("/") or parts.query or parts.username or parts.password:
            raise ValueError(
                f"{value!r}: give the API's base URL only (scheme, host, port); credentials go "
                "in management_user and management_password"
            )
        return value


class AmqpDirectAdapter(InboundAdapter[AmqpDirectConfig]):
    """Keeps a department's own broker account as the hub's contract needs it.

    ``start``: :class:`ConfigError` for refused management credentials, a missing vhost or an
    unmanaged user of the same name; :class:`TransientError` while the API or ``hub.inbound``
    is not there yet. ``health``: whether the department is connected now (one or two cheap
    management requests), with when it last used a channel it publishes on.
    """

    kind: ClassVar[str] = "amqp-direct"
    mode = "amqp"
    Config = AmqpDirectConfig
    summary: ClassVar[str] = (
        "The department publishes to hub.inbound itself under its own RabbitMQ user, limited "
        "to its own routing keys and queue."
    )

    def __init__(self, config: AmqpDirectConfig, *, system: str, port: InboundPort) -> None:
        super().__init__(config, system=system, port=port)
        self.access = DepartmentAccess(
            system=system, username=config.username or f"dept-{system}", vhost=config.vhost
        )
        #: What the last successful ``start`` had to change (empty: all was in place).
        self.changes: list[str] = []
        self._api: ManagementApi | None = None

    def start(self) -> None:
        api = self._management()
        self.changes = ensure_access(api, self.access, self._secret(self.config.password))
        if self.changes:
            self.log.info("access of %s on vhost %s made: %s", self.access.username,
                          self.access.vhost, ", ".join(self.changes))

    def revoke(self) -> bool:
        """Delete the department's user; False if it did not exist. Not part of ``stop``."""
        return revoke_access(self._management(), self.access)

    def health(self) -> Health:
        if self._api is None:
            return Health(False, "not started")
        where = f"{self.access.username} on vhost {self.access.vhost}"
        vhost = segment(self.access.vhost)
        try:
            connections = self._mine(self._api.get(
                f"/api/vhosts/{vhost}/connections", {"columns": "user,peer_host"}))
            if not connections:
                return Health(False, f"{where}: not connected")
            channels = self._mine(self._api.get(
                f"/api/vhosts/{vhost}/channels",
                {"columns": "user,message_stats.publish,idle_since"}))
        except HubError as e:
            return Health(False, f"cannot ask the management API: {e}")
        peers = sorted({str(c.get("peer_host")) for c in connections})
        return Health(True, f"{where}: {len(connections)} connection(s) from "
                            f"{', '.join(peers)}; {_publishing(channels)}")

    def _mine(self, items: Any) -> list[dict[str, Any]]:
        return [i for i in items or [] if isinstance(i, dict)
                and i.get("user") == self.access.username]

    def _management(self) -> ManagementApi:
        """A client with the credentials resolved now (a rotated one is used from the next
        ``start``); ``health`` keeps using the last one made."""
        config = self.config
        self._api = ManagementApi(
            config.management_url,
            self._secret(config.management_user),
            self._secret(config.management_password),
            credentials_from=f"{config.management_user}, {config.management_password}",
            timeout=config.timeout_seconds,
            verify=config.ca_bundle or True,
        )
        return self._api

    def _secret(self, reference: str) -> SecretStr:
        value = resolve_secret(reference)
        if not value.get_secret_value():
            raise ConfigError(f"credential {reference} of {self.system} is empty")
        return value


def _publishing(channels: list[dict[str, Any]]) -> str:
    """What the channels say about publishing: how many messages, and when last active.

    RabbitMQ keeps no "last published at"; a channel's ``idle_since`` is the time of its last
    activity, which for a channel that only publishes is its last publish. Only channels still
    open are seen (the hub's journal has every record's arrival time).
    """
    published = [c for c in channels if (c.get("message_stats") or {}).get("publish")]
    if not published:
        return "nothing published on its open channels"
    total = sum(int(c["message_stats"]["publish"]) for c in published)
    idle = [str(c["idle_since"]) for c in published if c.get("idle_since")]
    if len(idle) < len(published):
        return f"{total} message(s) published on its open channels, one of them active now"
    try:
        last = max(dt.datetime.fromisoformat(i) for i in idle).isoformat()
    except ValueError:  # a format this Python does not read: still worth showing
        last = max(idle)
    return f"{total} message(s) published on its open channels, last at {last}"
