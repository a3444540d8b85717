"""A department's broker account and what it may do, made so through the management API.

:class:`DepartmentAccess` is the wanted state for one department ``S`` on the hub's vhost:

- a user of its own, tagged :data:`MANAGED_TAG` (and nothing else: no management access);
- vhost permissions: configure its own reply queues ``hub.reply.S.<name>`` only (declare and
  delete them; ``<name>`` as :data:`~schemas.contract.topology.REPLY_NAME_PATTERN`), nothing
  else; write ``hub.inbound`` and ``hub.information`` (the exchanges its records and its
  questions to the information service go to; the queues of the same names are only reachable
  by binding, which needs read on an exchange it has none of); read ``hub.out.S`` and its reply
  queues (get, consume, purge: its own queues only). It declares ``hub.out.S`` passively (that
  needs no permission) or not at all. Writing to a queue (the hub's feedback copy to a reply
  queue) needs write on the default exchange, which is the hub's alone: binding its reply queue
  to any exchange needs write on the queue and read on the exchange, and it has neither;
  a dead-letter exchange argument on its queue needs write on that exchange, refused too;
- topic permissions on ``hub.inbound``: write only routing keys ``S.<one word>``, read none.
  RabbitMQ allows EVERY routing key to a user without topic permissions on an exchange, so they
  are always set before the vhost permissions that let the user write at all.

:func:`ensure_access` compares and writes only what differs, so calling it again changes
nothing; it returns what it changed. An existing user without the tag is never taken over.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from adapters.amqp.management import ManagementApi, segment
from adapters.sdk.adapter_errors import ConfigError, TransientError
from schemas.contract.topology import (
    INBOUND,
    INFORMATION,
    REPLY_NAME_PATTERN,
    outbound_queue_name,
    reply_queue_pattern,
    reply_queue_prefix,
)

log = logging.getLogger(__name__)

#: Tag on every user the hub manages; a user without it is someone else's and left alone.
MANAGED_TAG = "hub-department"
#: Matches nothing: RabbitMQ's spelling of "no access".
NOTHING = "^$"
# System ids are lower-case letters, digits and hyphens (hub.config.system_catalogue): no regex metacharacter.
_SYSTEM_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_HASHES = {"rabbit_password_hashing_sha256": hashlib.sha256,
           "rabbit_password_hashing_sha512": hashlib.sha512}


@dataclass(frozen=True)
class DepartmentAccess:
    """What department ``system``'s user ``username`` may do on ``vhost``."""

    system: str
    username: str
    vhost: str

    def __post_init__(self) -> None:
        if not _SYSTEM_ID.match(self.system):
            raise ConfigError(f"system id {self.system!r} cannot name RabbitMQ permissions")

    @property
    def queue(self) -> str:
        return outbound_queue_name(self.system)

    def permissions(self) -> dict[str, str]:
        """The vhost permissions, as the API takes and returns them."""
        replies = f"{re.escape(reply_queue_prefix(self.system))}{REPLY_NAME_PATTERN}"
        return {
            "configure": reply_queue_pattern(self.system),
            "write": f"^(?:{re.escape(INBOUND)}|{re.escape(INFORMATION)})$",
            "read": f"^(?:{re.escape(self.queue)}|{replies})$",
        }

    def topic_permissions(self) -> dict[str, str]:
        """The topic permissions on ``hub.inbound``: publish as ``<system>.<type>`` only."""
        return {"exchange": INBOUND, "write": rf"^{self.system}\.[^.]+$", "read": NOTHING}

    # Paths of the management API.
    def user_path(self) -> str:
        return f"/api/users/{segment(self.username)}"

    def permissions_path(self) -> str:
        return f"/api/permissions/{segment(self.vhost)}/{segment(self.username)}"

    def topic_permissions_path(self) -> str:
        return f"/api/topic-permissions/{segment(self.vhost)}/{segment(self.username)}"


def ensure_access(api: ManagementApi, access: DepartmentAccess, password: SecretStr) -> list[str]:
    """Make the broker hold ``access`` with ``password``; returns what had to change.

    Raises :class:`ConfigError` when the vhost is missing or the user exists unmanaged,
    :class:`TransientError` while the hub has not declared ``hub.inbound`` in the vhost yet
    (or the API is away), and whatever :class:`ManagementApi` raises.
    """
    if api.get(f"/api/vhosts/{segment(access.vhost)}") is None:
        raise ConfigError(
            f"virtual host {access.vhost!r} does not exist on the broker of {api.where}: "
            "'vhost' must be the one in the hub's broker URL"
        )
    if api.get(f"/api/exchanges/{segment(access.vhost)}/{segment(INBOUND)}") is None:
        raise TransientError(
            f"exchange {INBOUND} is not declared in virtual host {access.vhost!r} yet (the hub "
            "declares it when it connects; if it never appears, 'vhost' is not the hub's)"
        )
    changes: list[str] = []
    if _ensure_user(api, access, password):
        changes.append(f"user {access.username}")
    # Topic permissions first: until they exist, RabbitMQ lets the user publish any key.
    wanted_topic = access.topic_permissions()
    topic = _topic_entry(api.get(access.topic_permissions_path()))
    if topic != wanted_topic:
        _note_drift("topic permissions", access, topic)
        api.put(access.topic_permissions_path(), wanted_topic)
        changes.append("topic permissions")
    current = api.get(access.permissions_path())
    wanted = access.permissions()
    if _pick(current, wanted) != wanted:
        _note_drift("permissions", access, current)
        api.put(access.permissions_path(), wanted)
        changes.append("permissions")
    return changes


def revoke_access(api: ManagementApi, access: DepartmentAccess) -> bool:
    """Delete the department's user (and with it every permission); False if there was none.

    Refuses (:class:`ConfigError`) to delete a user the hub does not manage.
    """
    user = api.get(access.user_path())
    if user is None:
        return False
    _require_managed(api, access, user)
    return api.delete(access.user_path())


def _ensure_user(api: ManagementApi, access: DepartmentAccess, password: SecretStr) -> bool:
    user = api.get(access.user_path())
    if user is not None:
        _require_managed(api, access, user)
        if _tags(user) == [MANAGED_TAG] and _password_matches(user, password):
            return False
        if _tags(user) != [MANAGED_TAG]:
            log.warning("user %s had tags %s; reset to [%s]", access.username, _tags(user),
                        MANAGED_TAG)
    api.put(access.user_path(), {"password": password.get_secret_value(), "tags": MANAGED_TAG})
    return True


def _require_managed(api: ManagementApi, access: DepartmentAccess, user: Any) -> None:
    if MANAGED_TAG not in _tags(user):
        raise ConfigError(
            f"RabbitMQ user {access.username!r} on {api.where} exists and is not managed by the "
            f"hub (it lacks the {MANAGED_TAG!r} tag); the hub will not take it over: choose "
            "another 'username', or add the tag if the user is really this department's"
        )


def _tags(user: Any) -> list[str]:
    """The user's tags: a list since RabbitMQ 3.9, a comma-separated string before."""
    tags = user.get("tags", []) if isinstance(user, dict) else []
    if isinstance(tags, str):
        tags = [t for t in tags.split(",") if t]
    return sorted(str(t) for t in tags)


def _password_matches(user: dict[str, Any], password: SecretStr) -> bool:
    """Whether the stored hash is of ``password`` (salt: the hash's first 4 bytes).

    False for an algorithm not known here, which just means the password is written again.
    """
    digest = _HASHES.get(str(user.get("hashing_algorithm")))
    try:
        stored = base64.b64decode(str(user.get("password_hash", "")), validate=True)
    except ValueError:
        return False
    if digest is None or len(stored) < 5:
        return False
    salt, hashed = stored[:4], stored[4:]
    return digest(salt + password.get_secret_value().encode("utf-8")).digest() == hashed


def _topic_entry(entries: Any) -> dict[str, str] | None:
    """The entry for ``hub.inbound`` among the user's topic permissions in the vhost."""
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("exchange") == INBOUND:
            return {k: str(entry.get(k)) for k in ("exchange", "write", "read")}
    return None


def _pick(current: Any, wanted: dict[str, str]) -> dict[str, str] | None:
    if not isinstance(current, dict):
        return None
    return {k: str(current.get(k)) for k in wanted}


def _note_drift(what: str, access: DepartmentAccess, current: Any) -> None:
    if current is not None:
        log.warning("%s of %s on vhost %s had changed (%s); restored", what, access.username,
                    access.vhost, current)
