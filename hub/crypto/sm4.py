"""SM4-GCM sealing (GB/T 32907 cipher, GCM mode): confidentiality and integrity together.

A sealed value is self-describing: it names the key that sealed it, so that rows written
before a key rotation stay readable while new rows use the new key. Layout (bytes):

    version (1, = 1) | key id length (1) | key id (ASCII) | nonce (12) | ciphertext | tag (16)

Each seal is bound to a *context* (associated data, e.g. the message id and the column):
moving a sealed value to another row or column makes it fail to open, as does changing any
byte. Text values (a personal field inside a JSON payload) are sealed into a string,
``"sm4:" + base64url(sealed bytes)``, which :func:`is_sealed_text` recognises.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from schemas.contract.errors import ConfigError, PermanentError

VERSION = 1
KEY_SIZE = 16
NONCE_SIZE = 12
TAG_SIZE = 16
TEXT_PREFIX = "sm4:"


class KeyNotInKeyring(ConfigError):
    """A sealed value names a key the keyring does not hold (retired, or another keyring)."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"sealed with key {key_id!r}, which the keyring does not hold")
        self.key_id = key_id


class SealBroken(PermanentError):
    """A sealed value is malformed, was changed, or was moved from its context."""


@dataclass(frozen=True, repr=False)
class DataKey:
    """An SM4 key and its id. ``repr`` never shows the key."""

    key_id: str
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) != KEY_SIZE:
            raise ConfigError(f"data key {self.key_id}: SM4 keys are {KEY_SIZE} bytes")
        if not self.key_id or len(self.key_id) > 255 or not self.key_id.isascii():
            raise ConfigError(f"data key id {self.key_id!r}: 1-255 ASCII characters")

    def __repr__(self) -> str:
        return f"DataKey({self.key_id!r})"


#: Finds the key a sealed value names; raises :class:`KeyNotInKeyring` when it cannot.
KeyLookup = Callable[[str], DataKey]


def seal(key: DataKey, plaintext: bytes, context: bytes) -> bytes:
    """``plaintext`` sealed under ``key``, bound to ``context``."""
    nonce = os.urandom(NONCE_SIZE)
    encryptor = Cipher(algorithms.SM4(key.secret), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(context)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    key_id = key.key_id.encode("ascii")
    return bytes((VERSION, len(key_id))) + key_id + nonce + ciphertext + encryptor.tag


def sealed_key_id(sealed: bytes) -> str:
    """The id of the key that sealed ``sealed``; :class:`SealBroken` if it is no sealed value."""
    if len(sealed) < 2 or sealed[0] != VERSION:
        raise SealBroken("not a sealed value (unknown version)")
    end = 2 + sealed[1]
    if len(sealed) < end + NONCE_SIZE + TAG_SIZE:
        raise SealBroken("sealed value truncated")
    try:
        return sealed[2:end].decode("ascii")
    except UnicodeDecodeError as e:
        raise SealBroken("sealed value with a malformed key id") from e


def open_sealed(keys: KeyLookup, sealed: bytes, context: bytes) -> bytes:
    """The plaintext of ``sealed``, which must have been sealed with ``context``.

    :class:`KeyNotInKeyring` when its key is unknown; :class:`SealBroken` when it was changed,
    truncated or sealed for another context.
    """
    key = keys(sealed_key_id(sealed))
    start = 2 + sealed[1]
    nonce = sealed[start : start + NONCE_SIZE]
    ciphertext, tag = sealed[start + NONCE_SIZE : -TAG_SIZE], sealed[-TAG_SIZE:]
    decryptor = Cipher(algorithms.SM4(key.secret), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(context)
    try:
        return decryptor.update(ciphertext) + decryptor.finalize()
    except InvalidTag as e:
        raise SealBroken("sealed value changed, or opened in the wrong context") from e


def is_sealed_text(value: object) -> bool:
    """Whether ``value`` is a text value sealed by :func:`seal_text`."""
    return isinstance(value, str) and value.startswith(TEXT_PREFIX)


def seal_text(key: DataKey, text: str, context: bytes) -> str:
    """``text`` sealed into a string that can stand in a JSON document."""
    sealed = seal(key, text.encode("utf-8"), context)
    return TEXT_PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii")


def open_text(keys: KeyLookup, value: str, context: bytes) -> str:
    """The text :func:`seal_text` sealed into ``value``."""
    if not is_sealed_text(value):
        raise SealBroken("not a sealed text value")
    try:
        sealed = base64.urlsafe_b64decode(value[len(TEXT_PREFIX) :].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as e:
        raise SealBroken("sealed text value is not base64url") from e
    return open_sealed(keys, sealed, context).decode("utf-8")


def text_key_id(value: str) -> str:
    """The id of the key that sealed the text ``value``."""
    try:
        sealed = base64.urlsafe_b64decode(value[len(TEXT_PREFIX) :].encode("ascii"))
    except (ValueError, UnicodeEncodeError) as e:
        raise SealBroken("sealed text value is not base64url") from e
    return sealed_key_id(sealed)


def new_data_key_secret() -> bytes:
    """A fresh random SM4 key."""
    return os.urandom(KEY_SIZE)
