"""The keyring: every key the hub uses, by reference, with its purpose and its state.

A keyring is a YAML file that holds *references* to keys, never the keys themselves::

    keys:
      - id: data-20261207-3f9a1c      # stored beside every value the key protects
        purpose: data                 # data (SM4), digest (HMAC-SM3) or signing (SM2)
        state: active                 # active | readable | retired
        ref: file:/var/lib/hub/keys/data-20261207-3f9a1c.key   # or env:VARIABLE
        created: 2026-12-07T08:00:00Z
      - id: signing-20261207-77b0e2
        purpose: signing
        state: active
        ref: file:/var/lib/hub/keys/signing-20261207-77b0e2.pem
        public_key: |                 # kept after retirement, to verify old checkpoints
          -----BEGIN PUBLIC KEY-----
          ...

Contract:
- per purpose, at most one key is ``active``: the one new values are written with. ``readable``
  keys still open what they sealed (rotation: old keys read, the new key writes). ``retired``
  keys are gone: their secret is never resolved; a signing key's public key stays, so
  checkpoints it signed can still be verified;
- data keys are 16 bytes and digest keys 32, written as hex; signing keys are PKCS#8 PEM;
- every secret of a non-retired key is resolved when the keyring loads, so that a missing file
  or variable stops start-up (:class:`ConfigError` naming the key and its reference, never a
  secret); nothing here prints or logs a secret;
- :class:`KeyringSource` re-reads the file when it changes, so that a running hub takes up a
  new key without a restart.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from adapters.sdk.config import SecretRef, resolve_secret
from hub.crypto.sm2 import SigningKey, VerifyingKey
from hub.crypto.sm4 import KEY_SIZE, DataKey, KeyNotInKeyring
from schemas.contract.errors import ConfigError, validation_summary

#: Bytes of a digest (HMAC-SM3) key.
DIGEST_KEY_SIZE = 32


class Purpose(StrEnum):
    """What a key is for."""

    DATA = "data"  # SM4: personal fields and bodies in the journal
    DIGEST = "digest"  # HMAC-SM3: finding a person's records by ID number
    SIGNING = "signing"  # SM2: the journal's chain checkpoints


class KeyState(StrEnum):
    ACTIVE = "active"
    READABLE = "readable"
    RETIRED = "retired"


class KeyEntry(BaseModel):
    """One key as the keyring file lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="The key's id.")
    purpose: Purpose
    state: KeyState
    ref: SecretRef = Field(description="Where the secret is: env:VARIABLE or file:/path.")
    created: datetime
    public_key: str | None = Field(default=None, description="SM2 public key (PEM), signing only.")

    @model_validator(mode="after")
    def _public_key_for_signing_only(self) -> KeyEntry:
        if (self.purpose == Purpose.SIGNING) != (self.public_key is not None):
            raise ValueError(f"key {self.id}: a public_key is given for signing keys, and only them")
        return self


class KeyringFile(BaseModel):
    """The keyring file's content."""

    model_config = ConfigDict(extra="forbid")

    keys: list[KeyEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> KeyringFile:
        ids = [k.id for k in self.keys]
        if len(ids) != len(set(ids)):
            raise ValueError("key ids repeat")
        for purpose in Purpose:
            active = [k.id for k in self.keys if k.purpose == purpose and k.state == KeyState.ACTIVE]
            if len(active) > 1:
                raise ValueError(f"more than one active {purpose} key: {', '.join(active)}")
        return self


def _hex_secret(entry: KeyEntry, size: int) -> bytes:
    text = resolve_secret(entry.ref).get_secret_value().strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise ConfigError(f"key {entry.id} ({entry.ref}): not hex") from None
    if len(secret) != size:
        raise ConfigError(f"key {entry.id} ({entry.ref}): {len(secret)} bytes, {size} expected")
    return secret


class Keyring:
    """The keys of one keyring file, resolved. Immutable; see :class:`KeyringSource`."""

    def __init__(self, entries: Iterable[KeyEntry], *, secrets: bool = True) -> None:
        """``secrets`` False: only the public keys are read (enough to verify checkpoints,
        for an auditor who holds the keyring file but none of the key files)."""
        self.entries: tuple[KeyEntry, ...] = tuple(entries)
        KeyringFile(keys=list(self.entries))  # the same checks as a file's
        self._data: dict[str, DataKey] = {}
        self._digest: dict[str, bytes] = {}
        self._signing: dict[str, SigningKey] = {}
        self._verifying: dict[str, VerifyingKey] = {}
        for entry in self.entries:
            if entry.purpose == Purpose.SIGNING:
                assert entry.public_key is not None
                self._verifying[entry.id] = VerifyingKey.from_pem(entry.id, entry.public_key)
            if entry.state == KeyState.RETIRED or not secrets:
                continue
            if entry.purpose == Purpose.DATA:
                self._data[entry.id] = DataKey(entry.id, _hex_secret(entry, KEY_SIZE))
            elif entry.purpose == Purpose.DIGEST:
                self._digest[entry.id] = _hex_secret(entry, DIGEST_KEY_SIZE)
            else:
                pem = resolve_secret(entry.ref).get_secret_value()
                signing = SigningKey.from_pem(entry.id, pem)
                if signing.verifying_key().public_pem() != self._verifying[entry.id].public_pem():
                    raise ConfigError(f"key {entry.id}: public_key does not match the private key")
                self._signing[entry.id] = signing

    def _active_id(self, purpose: Purpose) -> str:
        for entry in self.entries:
            if entry.purpose == purpose and entry.state == KeyState.ACTIVE:
                return entry.id
        raise ConfigError(f"the keyring has no active {purpose} key: hub keys generate --purpose {purpose}")

    def data_key(self, key_id: str) -> DataKey:
        """The data key ``key_id``; :class:`KeyNotInKeyring` if it is retired or unknown."""
        try:
            return self._data[key_id]
        except KeyError:
            raise KeyNotInKeyring(key_id) from None

    def active_data_key(self) -> DataKey:
        return self._data[self._active_id(Purpose.DATA)]

    def digest_keys(self) -> dict[str, bytes]:
        """Every digest key still readable, by id (a lookup tries each)."""
        return dict(self._digest)

    def active_digest_key(self) -> tuple[str, bytes]:
        key_id = self._active_id(Purpose.DIGEST)
        return key_id, self._digest[key_id]

    def active_signing_key(self) -> SigningKey:
        return self._signing[self._active_id(Purpose.SIGNING)]

    def verifying_key(self, key_id: str) -> VerifyingKey | None:
        """The public key of signing key ``key_id``, retired or not; None if never listed."""
        return self._verifying.get(key_id)


def read_keyring_file(path: Path) -> KeyringFile:
    """The keyring file at ``path``; :class:`ConfigError` if it is missing or invalid."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"keyring {path}: cannot read: {e.strerror}") from e
    except yaml.YAMLError as e:
        raise ConfigError(f"keyring {path}: not YAML: {e}") from e
    try:
        return KeyringFile.model_validate(document or {})
    except ValidationError as e:
        raise ConfigError(f"keyring {path}: {validation_summary(e)}") from e


def load_keyring(path: Path, *, secrets: bool = True) -> Keyring:
    """The keyring at ``path``, every secret resolved (``secrets`` False: public keys only)."""
    return Keyring(read_keyring_file(path).keys, secrets=secrets)


class KeyringSource:
    """A keyring file, re-read when it changes (checked at most every ``recheck`` seconds).

    A change that does not load (a typo, a missing key file) is refused loudly by raising
    :class:`ConfigError` from :meth:`current`; the caller keeps the keyring it had.
    """

    def __init__(self, path: Path, *, recheck: float = 5.0) -> None:
        self.path = path
        self.recheck = recheck
        self._stamp = self._file_stamp()
        self._keyring = load_keyring(path)
        self._checked = time.monotonic()

    def _file_stamp(self) -> tuple[int, int]:
        try:
            stat = self.path.stat()
        except OSError as e:
            raise ConfigError(f"keyring {self.path}: {e.strerror}") from e
        return stat.st_mtime_ns, stat.st_size

    def current(self) -> Keyring:
        now = time.monotonic()
        if now - self._checked >= self.recheck:
            self._checked = now
            stamp = self._file_stamp()
            if stamp != self._stamp:
                self._keyring = load_keyring(self.path)
                self._stamp = stamp
        return self._keyring


def utc_now() -> datetime:
    return datetime.now(UTC)


def write_keyring_file(path: Path, keyring: KeyringFile) -> None:
    """Replace the keyring file atomically (a reader sees the old file or the new one)."""
    document = {"keys": [k.model_dump(mode="json", exclude_none=True) for k in keyring.keys]}
    text = (
        "# The hub's keyring: references to its keys, never the keys (see docs/security.md).\n"
        "# Managed with `hub keys`; one active key per purpose.\n"
        + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
