"""Making and retiring keys: the work behind ``hub keys``.

New secrets go to files readable by their owner only (mode 0600, created exclusively, so an
existing file is never overwritten), referenced from the keyring as ``file:/path``. Generating
a key of a purpose makes it the active one and leaves the previous active key readable: values
it sealed still open, new ones use the new key (rotation without downtime: a running hub
re-reads the keyring, see :class:`hub.crypto.keyring.KeyringSource`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from hub.crypto.keyring import (
    DIGEST_KEY_SIZE,
    KeyEntry,
    KeyringFile,
    KeyState,
    Purpose,
    read_keyring_file,
    utc_now,
    write_keyring_file,
)
from hub.crypto.sm2 import SigningKey
from hub.crypto.sm4 import new_data_key_secret
from schemas.contract.errors import ConfigError


def _new_id(purpose: Purpose) -> str:
    return f"{purpose}-{utc_now():%Y%m%d}-{secrets.token_hex(3)}"


def _write_secret(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(text)


def generate_key(keyring_path: Path, purpose: Purpose, key_dir: Path) -> KeyEntry:
    """A new key of ``purpose``, its secret in ``key_dir``, made active in the keyring at
    ``keyring_path`` (created if missing); the previous active key becomes readable."""
    keyring = read_keyring_file(keyring_path) if keyring_path.exists() else KeyringFile()
    key_id = _new_id(purpose)
    public_key = None
    if purpose == Purpose.SIGNING:
        signing = SigningKey.generate(key_id)
        secret_path = key_dir / f"{key_id}.pem"
        _write_secret(secret_path, signing.private_pem())
        public_key = signing.verifying_key().public_pem()
    else:
        size = DIGEST_KEY_SIZE if purpose == Purpose.DIGEST else None
        secret = secrets.token_bytes(size) if size else new_data_key_secret()
        secret_path = key_dir / f"{key_id}.key"
        _write_secret(secret_path, secret.hex() + "\n")
    entry = KeyEntry(
        id=key_id, purpose=purpose, state=KeyState.ACTIVE, created=utc_now(),
        ref=f"file:{secret_path.resolve()}", public_key=public_key,
    )
    keys = [
        k.model_copy(update={"state": KeyState.READABLE})
        if k.purpose == purpose and k.state == KeyState.ACTIVE else k
        for k in keyring.keys
    ]
    write_keyring_file(keyring_path, KeyringFile(keys=[*keys, entry]))
    return entry


def ensure_keyring(keyring_path: Path, key_dir: Path) -> list[KeyEntry]:
    """Give the keyring at ``keyring_path`` an active key of every purpose it lacks; the keys
    made (none when it had them all). For the embedded default and the demo, which make their
    own keys; production manages its keyring with ``hub keys``."""
    keyring = read_keyring_file(keyring_path) if keyring_path.exists() else KeyringFile()
    active = {k.purpose for k in keyring.keys if k.state == KeyState.ACTIVE}
    return [generate_key(keyring_path, p, key_dir) for p in Purpose if p not in active]


def retire_key(keyring_path: Path, key_id: str) -> KeyEntry:
    """Mark ``key_id`` retired. The active key of a purpose cannot be retired (generate its
    successor first); whether values still need the key is the caller's check."""
    keyring = read_keyring_file(keyring_path)
    found = [k for k in keyring.keys if k.id == key_id]
    if not found:
        raise ConfigError(f"keyring {keyring_path} has no key {key_id!r}")
    entry = found[0]
    if entry.state == KeyState.ACTIVE:
        raise ConfigError(
            f"key {key_id} is the active {entry.purpose} key: generate its successor first "
            f"(hub keys generate --purpose {entry.purpose})"
        )
    retired = entry.model_copy(update={"state": KeyState.RETIRED})
    keys = [retired if k.id == key_id else k for k in keyring.keys]
    write_keyring_file(keyring_path, KeyringFile(keys=keys))
    return retired
