"""Who is calling the HTTP admin API, and what they may do: bearer tokens, one per actor.

Tokens are configured as comma-separated entries, normally in the environment variable
``HUB_ADMIN_TOKENS``::

    ops-li:operator:<token>,auditor-wang:viewer:<token>

The actor names the caller in the audit trail, so each actor has its own token and no token is
shared. The role says what the token may do (:class:`Role`): a ``viewer`` reads (listings,
trace, timeline, audit, one dead letter, the OpenAPI document) with personal data masked; an
``operator`` also retries dead letters and replays inputs; an ``officer`` reads, and may also
ask for personal data unmasked (audited). The old form ``actor:token`` still parses and means a
*viewer*: least privilege. A token that was configured before roles existed keeps what cannot
hurt (reading) and loses what can (publishing) until its entry says ``:operator:``; the other
choice would have left every pre-existing token as powerful as the issue complained it was,
silently. :func:`parse_tokens` logs the actors given no role, so the upgrade is visible.

A caller sends ``Authorization: Bearer <token>``; tokens are never accepted in a query string,
where access logs and proxies would record them. Tokens are held as
:class:`pydantic.SecretStr` (their ``repr`` is masked) and compared in constant time; no error
message, log line or response ever contains one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from pydantic import SecretStr

from schemas.contract.errors import ConfigError, PermanentError

TOKENS_VARIABLE = "HUB_ADMIN_TOKENS"

#: Shorter tokens can be guessed; ``python -c "import secrets; print(secrets.token_urlsafe(32))"``
#: makes a good one.
MIN_TOKEN_LENGTH = 16

#: Actor names go into the audit trail and the token list's syntax, so keep them plain.
ACTOR_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")

#: A field that can only have been meant as a role (a plain lower-case word): an unknown one is
#: a typo to report, not the start of a token to accept.
_ROLE_LIKE = re.compile(r"[a-z]+")

log = logging.getLogger(__name__)


class Role(StrEnum):
    """What a token may do. A viewer reads, with personal data masked; an operator also
    retries and replays; an officer (the personal-information officer, 个人信息保护负责人) also
    unmasks personal data, with a reason, audited. Operator and officer are separate duties:
    neither includes the other."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    OFFICER = "officer"

    def allows(self, needed: Role) -> bool:
        """Whether this role may do everything ``needed`` may."""
        return _DUTIES[needed] <= _DUTIES[self]


_DUTIES: dict[Role, frozenset[str]] = {
    Role.VIEWER: frozenset({"read"}),
    Role.OPERATOR: frozenset({"read", "change"}),
    Role.OFFICER: frozenset({"read", "unmask"}),
}


@dataclass(frozen=True)
class Grant:
    """One configured token: whose it is and what it may do."""

    role: Role
    token: SecretStr


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request."""

    actor: str
    role: Role


AdminTokens = Mapping[str, Grant]


class NotAuthenticated(PermanentError):
    """The request carries no token, or one that belongs to no actor (HTTP 401).

    Permanent: the same request is refused again.
    """


class NotAllowed(PermanentError):
    """The caller's role does not allow the operation (HTTP 403). Permanent."""


def parse_tokens(text: str) -> dict[str, Grant]:
    """Parse ``actor:role:token`` (or ``actor:token``, a viewer) entries into ``{actor: grant}``.

    Whitespace around entries is ignored; a token may itself contain ``:``. Raises
    :class:`ConfigError` (naming the actor or position, never the token) for an empty list, an
    entry without ``:``, a malformed actor, an unknown role, a token shorter than
    :data:`MIN_TOKEN_LENGTH`, or an actor or token given twice (a shared token would make the
    audit trail's actor ambiguous).
    """
    grants: dict[str, Grant] = {}
    roleless: list[str] = []
    for position, item in enumerate((part.strip() for part in text.split(",")), start=1):
        if not item:
            continue
        actor, colon, rest = item.partition(":")
        actor = actor.strip()
        if not colon:
            raise ConfigError(f"{TOKENS_VARIABLE} item {position} is not actor:role:token")
        if not ACTOR_PATTERN.fullmatch(actor):
            raise ConfigError(
                f"{TOKENS_VARIABLE} item {position}: actor {actor!r} must be up to 64 letters, "
                "digits, '.', '_', '@' or '-'"
            )
        role, token = _role_and_token(actor, rest)
        if role is None:
            roleless.append(actor)
        if actor in grants:
            raise ConfigError(f"{TOKENS_VARIABLE}: actor {actor!r} is given twice")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{TOKENS_VARIABLE}: the token of {actor!r} is shorter than {MIN_TOKEN_LENGTH} "
                "characters"
            )
        if any(_digest(token) == _digest(known.token.get_secret_value()) for known in grants.values()):
            raise ConfigError(f"{TOKENS_VARIABLE}: the token of {actor!r} is also another actor's")
        grants[actor] = Grant(role or Role.VIEWER, SecretStr(token))
    if not grants:
        raise ConfigError(f"{TOKENS_VARIABLE} names no actor:role:token entry")
    if roleless:
        log.warning("%s gives no role to %s: viewer (read only); write actor:operator:token to "
                    "let one retry and replay", TOKENS_VARIABLE, ", ".join(roleless))
    return grants


def _role_and_token(actor: str, rest: str) -> tuple[Role | None, str]:
    """``role:token`` or, in the old form, the token alone (role None)."""
    first, colon, after = rest.partition(":")
    if colon and first.strip() in set(Role):
        return Role(first.strip()), after.strip()
    if colon and _ROLE_LIKE.fullmatch(first.strip()):
        raise ConfigError(
            f"{TOKENS_VARIABLE}: the role of {actor!r} must be one of {', '.join(Role)}"
        )
    return None, rest.strip()


def tokens_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, Grant]:
    """The tokens in ``HUB_ADMIN_TOKENS``; :class:`ConfigError` if it is unset or invalid."""
    text = environ.get(TOKENS_VARIABLE, "")
    if not text.strip():
        raise ConfigError(
            f"set {TOKENS_VARIABLE}=actor:role:token[,actor:role:token...] to serve the admin API"
        )
    return parse_tokens(text)


def caller_for(authorization: str | None, tokens: AdminTokens) -> Caller:
    """The caller whose token the ``Authorization`` header carries; raises
    :class:`NotAuthenticated` otherwise.

    Every configured token is compared, whichever matches, and the comparison is of SHA-256
    digests, so the time taken says nothing about which actor, or how many characters, matched.
    """
    scheme, _space, given_token = (authorization or "").strip().partition(" ")
    given_token = given_token.strip()
    if scheme.lower() != "bearer" or not given_token:
        raise NotAuthenticated("send Authorization: Bearer <token>")
    given = _digest(given_token)
    found: Caller | None = None
    for actor, grant in tokens.items():
        if hmac.compare_digest(given, _digest(grant.token.get_secret_value())):
            found = Caller(actor, grant.role)
    if found is None:
        raise NotAuthenticated("the token is not valid")
    return found


def require(caller: Caller, needed: Role) -> None:
    """Raise :class:`NotAllowed` unless ``caller``'s role allows what needs ``needed``."""
    if not caller.role.allows(needed):
        raise NotAllowed(f"{caller.actor} is a {caller.role}; this needs the {needed} role")


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
