"""Who is calling a SOAP endpoint: WS-Security UsernameToken or HTTP Basic, per-caller passwords.

Contract of :class:`Callers`: ``check_basic`` and ``check_token`` return the caller's user name or
raise :class:`~adapters.soap.soap11.SoapFault` (Client, ``adapter.unauthorised``) with a message
that never says which of user name or password was wrong. Passwords are compared in constant
time. A PasswordDigest token must carry a nonce and a creation time within ``max_skew_seconds``
of now, and a nonce is accepted once in that window (a captured token cannot be replayed); the
nonces remembered are bounded by ``max_nonces`` (when that many are in the window, further
tokens are refused until some expire, rather than forgetting one that could then be replayed).
A PasswordText token (a password anyone on the path could read and replay) is accepted only
when ``password_text`` is allowed: the endpoint decides (over TLS, behind a TLS proxy, or on
loopback, where the password crosses no network).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree
from pydantic import SecretStr

from adapters.soap.soap11 import SoapFault

WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
#: The header block this module processes (a mustUnderstand on it is honoured).
SECURITY = f"{{{WSSE}}}Security"
_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
PASSWORD_TEXT = f"{_PROFILE}#PasswordText"
PASSWORD_DIGEST = f"{_PROFILE}#PasswordDigest"
_UNAUTHORISED = "adapter.unauthorised"


@dataclass(frozen=True)
class UsernameToken:
    """A WS-Security UsernameToken as presented (``password`` is the digest when ``digest``)."""

    username: str
    password: str
    digest: bool
    nonce: str | None = None
    created: str | None = None


def _refuse(message: str) -> SoapFault:
    return SoapFault("Client", _UNAUTHORISED, message)


def username_token(header: etree._Element | None) -> UsernameToken | None:
    """The UsernameToken in a request's SOAP header; None when there is no Security block."""
    security = header.find(SECURITY) if header is not None else None
    if security is None:
        return None
    token = security.find(f"{{{WSSE}}}UsernameToken")
    if token is None:
        raise _refuse("the Security header holds no UsernameToken")

    def text(name: str, ns: str = WSSE) -> str | None:
        element = token.find(f"{{{ns}}}{name}")
        return None if element is None else (element.text or "").strip()

    username, password = text("Username"), token.find(f"{{{WSSE}}}Password")
    if not username or password is None:
        raise _refuse("the UsernameToken needs a Username and a Password")
    kind = password.get("Type", PASSWORD_TEXT)
    if kind not in (PASSWORD_TEXT, PASSWORD_DIGEST):
        raise _refuse(f"password type {kind!r} is not supported")
    return UsernameToken(username, password.text or "", kind == PASSWORD_DIGEST,
                         text("Nonce"), text("Created", WSU))


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """User name and password of an HTTP ``Authorization: Basic`` header; None without one."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        raise _refuse(f"HTTP authorisation scheme {scheme!r} is not supported; use Basic")
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as e:
        raise _refuse("the Basic credentials are not base64 of user:password") from e
    username, colon, password = decoded.partition(":")
    if not colon:
        raise _refuse("the Basic credentials are not base64 of user:password")
    return username, password


class Callers:
    """The callers allowed in, user name -> password. Thread-safe."""

    def __init__(
        self,
        passwords: Mapping[str, SecretStr],
        *,
        max_skew_seconds: float = 300.0,
        clock: Callable[[], float] = time.time,
        password_text: bool = True,
        max_nonces: int = 100_000,
    ) -> None:
        self._passwords = dict(passwords)
        self._password_text = password_text
        self._max_nonces = max_nonces
        self._skew = max_skew_seconds
        self._clock = clock
        self._seen: set[tuple[str, str]] = set()
        self._expiry: deque[tuple[float, tuple[str, str]]] = deque()
        self._lock = threading.Lock()

    def check_basic(self, username: str, password: str) -> str:
        """``username`` if ``password`` is its password; else a Client fault."""
        if not hmac.compare_digest(self._expected(username).encode(), password.encode()):
            raise _refuse("unknown user or wrong password")
        return username

    def check_token(self, token: UsernameToken) -> str:
        """The token's user name if the token is valid; else a Client fault."""
        expected = self._expected(token.username)
        if not token.digest:
            if not self._password_text:
                raise _refuse("a PasswordText token is accepted only over TLS; send "
                              "PasswordDigest with a Nonce and a Created time")
            return self.check_basic(token.username, token.password)
        if not token.nonce or not token.created:
            raise _refuse("a PasswordDigest token needs a Nonce and a Created time")
        try:
            nonce = base64.b64decode(token.nonce, validate=True)
        except binascii.Error as e:
            raise _refuse("the Nonce is not base64") from e
        digest = base64.b64encode(
            hashlib.sha1(nonce + token.created.encode() + expected.encode()).digest()
        ).decode()
        if not hmac.compare_digest(digest.encode(), token.password.encode()):
            raise _refuse("unknown user or wrong password")
        self._fresh(token.username, token.nonce, token.created)
        return token.username

    def _expected(self, username: str) -> str:
        secret = self._passwords.get(username)
        # An unknown user is compared against a value no password equals, in the same time.
        return secret.get_secret_value() if secret is not None else "\x00unknown\x00"

    def _fresh(self, username: str, nonce: str, created: str) -> None:
        try:
            moment = datetime.fromisoformat(created)
        except ValueError as e:
            raise _refuse(f"Created {created!r} is not an ISO 8601 time") from e
        # WS-Security times are UTC; a time without an offset is read as UTC, not local time.
        at = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        now = self._clock()
        if abs(now - at) > self._skew:
            raise _refuse(f"the token was created {now - at:.0f}s from now; the limit is "
                          f"{self._skew:.0f}s")
        key = (username, nonce)
        with self._lock:
            while self._expiry and self._expiry[0][0] <= now:
                self._seen.discard(self._expiry.popleft()[1])
            if key in self._seen:
                raise _refuse("this Nonce was used already (a replayed token)")
            if len(self._seen) >= self._max_nonces:
                raise _refuse("too many tokens within the replay window; try again shortly")
            self._seen.add(key)
            # Kept for twice the skew: a token older than the skew is refused anyway.
            self._expiry.append((now + 2 * self._skew, key))
