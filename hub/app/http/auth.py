"""Who is calling the HTTP admin API: bearer tokens, one per actor.

Tokens are configured as ``actor:token`` pairs separated by commas, normally in the environment
variable ``HUB_ADMIN_TOKENS`` (``ops-li:<token>,ops-wang:<token>``). The actor names the caller
in the audit trail, so each actor has its own token and no token is shared. A caller sends
``Authorization: Bearer <token>``; tokens are never accepted in a query string, where access
logs and proxies would record them.

Tokens are held as :class:`pydantic.SecretStr` (their ``repr`` is masked) and compared in
constant time; no error message, log line or response ever contains one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping

from fastapi.security import HTTPAuthorizationCredentials
from pydantic import SecretStr

from schemas.contract.errors import ConfigError, PermanentError

TOKENS_VARIABLE = "HUB_ADMIN_TOKENS"

#: Shorter tokens can be guessed; ``python -c "import secrets; print(secrets.token_urlsafe(32))"``
#: makes a good one.
MIN_TOKEN_LENGTH = 16

#: Actor names go into the audit trail and the token list's syntax, so keep them plain.
_ACTOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")

AdminTokens = Mapping[str, SecretStr]


class NotAuthenticated(PermanentError):
    """The request carries no token, or one that belongs to no actor (HTTP 401).

    Permanent: the same request is refused again.
    """


def parse_tokens(text: str) -> dict[str, SecretStr]:
    """Parse ``actor:token,actor:token`` into ``{actor: token}``.

    Whitespace around items is ignored; a token may itself contain ``:``. Raises
    :class:`ConfigError` (naming the actor or position, never the token) for an empty list, an
    item without ``:``, a malformed actor, a token shorter than :data:`MIN_TOKEN_LENGTH`, or an
    actor or token given twice (a shared token would make the audit trail's actor ambiguous).
    """
    tokens: dict[str, SecretStr] = {}
    for position, item in enumerate((part.strip() for part in text.split(",")), start=1):
        if not item:
            continue
        actor, colon, token = item.partition(":")
        actor, token = actor.strip(), token.strip()
        if not colon:
            raise ConfigError(f"{TOKENS_VARIABLE} item {position} is not actor:token")
        if not _ACTOR.fullmatch(actor):
            raise ConfigError(
                f"{TOKENS_VARIABLE} item {position}: actor {actor!r} must be letters, digits, "
                "'.', '_', '@' or '-'"
            )
        if actor in tokens:
            raise ConfigError(f"{TOKENS_VARIABLE}: actor {actor!r} is given twice")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ConfigError(
                f"{TOKENS_VARIABLE}: the token of {actor!r} is shorter than {MIN_TOKEN_LENGTH} "
                "characters"
            )
        if any(_digest(token) == _digest(known.get_secret_value()) for known in tokens.values()):
            raise ConfigError(f"{TOKENS_VARIABLE}: the token of {actor!r} is also another actor's")
        tokens[actor] = SecretStr(token)
    if not tokens:
        raise ConfigError(f"{TOKENS_VARIABLE} names no actor:token pair")
    return tokens


def tokens_from_environment(environ: Mapping[str, str] = os.environ) -> dict[str, SecretStr]:
    """The tokens in ``HUB_ADMIN_TOKENS``; :class:`ConfigError` if it is unset or invalid."""
    text = environ.get(TOKENS_VARIABLE, "")
    if not text.strip():
        raise ConfigError(f"set {TOKENS_VARIABLE}=actor:token[,actor:token...] to serve the admin API")
    return parse_tokens(text)


def actor_for(credentials: HTTPAuthorizationCredentials | None, tokens: AdminTokens) -> str:
    """The actor whose token the request carries; raises :class:`NotAuthenticated` otherwise.

    Every configured token is compared, whichever matches, and the comparison is of SHA-256
    digests, so the time taken says nothing about which actor, or how many characters, matched.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("send Authorization: Bearer <token>")
    given = _digest(credentials.credentials)
    found: str | None = None
    for actor, token in tokens.items():
        if hmac.compare_digest(given, _digest(token.get_secret_value())):
            found = actor
    if found is None:
        raise NotAuthenticated("the token is not valid")
    return found


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
