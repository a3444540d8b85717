"""The keyring: keys by reference, one active per purpose, rotation, retirement, no secret shown."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from hub.crypto.key_files import ensure_keyring, generate_key, retire_key
from hub.crypto.keyring import (
    KeyringSource,
    KeyState,
    Purpose,
    load_keyring,
    read_keyring_file,
)
from hub.crypto.sm4 import KeyNotInKeyring, open_text, seal_text
from schemas.contract.errors import ConfigError


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    path = tmp_path / "keyring.yaml"
    ensure_keyring(path, tmp_path / "keys")
    return path


def test_init_makes_one_active_key_per_purpose_in_owner_only_files(keyring_path: Path) -> None:
    entries = read_keyring_file(keyring_path).keys
    assert sorted(e.purpose for e in entries) == ["data", "digest", "signing"]
    assert all(e.state == KeyState.ACTIVE and e.ref.startswith("file:") for e in entries)
    for entry in entries:
        secret_file = Path(entry.ref.removeprefix("file:"))
        assert secret_file.stat().st_mode & 0o777 == 0o600
        # The keyring holds references: no secret is in it.
        assert secret_file.read_text().strip() not in keyring_path.read_text()
    assert ensure_keyring(keyring_path, keyring_path.parent / "keys") == []


def test_rotation_writes_with_the_new_key_and_still_reads_the_old(keyring_path: Path) -> None:
    before = load_keyring(keyring_path)
    old = before.active_data_key()
    sealed_before = seal_text(old, "310112199003071234", b"ctx")
    generate_key(keyring_path, Purpose.DATA, keyring_path.parent / "keys")
    after = load_keyring(keyring_path)
    assert after.active_data_key().key_id != old.key_id
    assert open_text(after.data_key, sealed_before, b"ctx") == "310112199003071234"
    states = {e.id: e.state for e in read_keyring_file(keyring_path).keys}
    assert states[old.key_id] == KeyState.READABLE


def test_a_retired_key_no_longer_opens_and_the_active_one_cannot_be_retired(keyring_path: Path) -> None:
    old = load_keyring(keyring_path).active_data_key()
    sealed = seal_text(old, "x", b"ctx")
    with pytest.raises(ConfigError, match="active data key"):
        retire_key(keyring_path, old.key_id)
    generate_key(keyring_path, Purpose.DATA, keyring_path.parent / "keys")
    retire_key(keyring_path, old.key_id)
    with pytest.raises(KeyNotInKeyring):
        open_text(load_keyring(keyring_path).data_key, sealed, b"ctx")


def test_a_retired_signing_key_still_verifies_what_it_signed(keyring_path: Path) -> None:
    signer = load_keyring(keyring_path).active_signing_key()
    signature = signer.sign(b"checkpoint")
    generate_key(keyring_path, Purpose.SIGNING, keyring_path.parent / "keys")
    retire_key(keyring_path, signer.key_id)
    Path(next(e.ref for e in read_keyring_file(keyring_path).keys
              if e.id == signer.key_id).removeprefix("file:")).unlink()
    verifying = load_keyring(keyring_path).verifying_key(signer.key_id)
    assert verifying is not None and verifying.verify(b"checkpoint", signature)


def test_a_missing_key_file_stops_loading_naming_the_key_not_a_secret(keyring_path: Path) -> None:
    entry = next(e for e in read_keyring_file(keyring_path).keys if e.purpose == Purpose.DATA)
    Path(entry.ref.removeprefix("file:")).unlink()
    with pytest.raises(ConfigError, match=entry.id):
        load_keyring(keyring_path)
    # An auditor with the keyring file alone can still load the public keys.
    assert load_keyring(keyring_path, secrets=False).verifying_key(
        next(e.id for e in read_keyring_file(keyring_path).keys if e.purpose == Purpose.SIGNING)
    ) is not None


def test_keys_given_inline_or_two_active_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keyring.yaml"
    path.write_text("keys:\n- {id: d1, purpose: data, state: active, ref: 00112233445566778899aabbccddeeff,"
                    " created: 2026-12-07T00:00:00Z}\n")
    with pytest.raises(ConfigError, match="by reference"):
        load_keyring(path)
    path.write_text("keys:\n"
                    "- {id: d1, purpose: data, state: active, ref: 'env:K1', created: 2026-12-07T00:00:00Z}\n"
                    "- {id: d2, purpose: data, state: active, ref: 'env:K2', created: 2026-12-07T00:00:00Z}\n")
    with pytest.raises(ConfigError, match="more than one active data key"):
        load_keyring(path)


def test_a_key_by_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_TEST_DATA_KEY", "00112233445566778899aabbccddeeff")
    path = tmp_path / "keyring.yaml"
    path.write_text("keys:\n- {id: d1, purpose: data, state: active, ref: 'env:HUB_TEST_DATA_KEY',"
                    " created: 2026-12-07T00:00:00Z}\n")
    assert load_keyring(path).active_data_key().secret == bytes.fromhex("00112233445566778899aabbccddeeff")
    monkeypatch.setenv("HUB_TEST_DATA_KEY", "0011")
    with pytest.raises(ConfigError, match="2 bytes, 16 expected"):
        load_keyring(path)


def test_a_running_source_takes_up_a_new_key_without_restart(keyring_path: Path) -> None:
    source = KeyringSource(keyring_path, recheck=0.0)
    first = source.current().active_data_key().key_id
    time.sleep(0.01)
    generate_key(keyring_path, Purpose.DATA, keyring_path.parent / "keys")
    os.utime(keyring_path)
    assert source.current().active_data_key().key_id != first
