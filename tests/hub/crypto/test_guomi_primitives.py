"""The 国密 primitives: SM3 against the standard's own vector, SM4 seals that detect any change,
SM2 signatures that an independent implementation verifies, keys never shown."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from gmssl import sm2 as gmssl_sm2

from hub.crypto import sm4
from hub.crypto.sm2 import SigningKey, VerifyingKey
from hub.crypto.sm3 import keyed_sm3_hex, sm3_hex


def test_sm3_gives_the_standards_example_digest() -> None:
    # GB/T 32905-2016, appendix A, example 1: the message "abc".
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_keyed_sm3_depends_on_the_key() -> None:
    number = b"310112199003071234"
    assert keyed_sm3_hex(b"k" * 32, number) == keyed_sm3_hex(b"k" * 32, number)
    assert keyed_sm3_hex(b"k" * 32, number) != keyed_sm3_hex(b"j" * 32, number)
    assert keyed_sm3_hex(b"k" * 32, number) != sm3_hex(number)


@pytest.fixture
def key() -> sm4.DataKey:
    return sm4.DataKey("data-1", sm4.new_data_key_secret())


def test_a_sealed_value_opens_in_its_context_and_names_its_key(key: sm4.DataKey) -> None:
    sealed = sm4.seal(key, "张三 310112199003071234".encode(), b"ctx")
    assert b"310112199003071234" not in sealed
    assert sm4.sealed_key_id(sealed) == "data-1"
    assert sm4.open_sealed(lambda _: key, sealed, b"ctx").decode() == "张三 310112199003071234"


def test_a_changed_byte_or_another_context_does_not_open(key: sm4.DataKey) -> None:
    sealed = sm4.seal(key, b"secret", b"ctx")
    for position in range(2 + len("data-1"), len(sealed)):
        changed = bytearray(sealed)
        changed[position] ^= 0x01
        with pytest.raises(sm4.SealBroken):
            sm4.open_sealed(lambda _: key, bytes(changed), b"ctx")
    with pytest.raises(sm4.SealBroken):
        sm4.open_sealed(lambda _: key, sealed, b"other row")


def test_a_value_sealed_with_an_unknown_key_names_the_key(key: sm4.DataKey) -> None:
    sealed = sm4.seal_text(key, "x", b"ctx")

    def keyring(key_id: str) -> sm4.DataKey:
        raise sm4.KeyNotInKeyring(key_id)

    with pytest.raises(sm4.KeyNotInKeyring, match="data-1"):
        sm4.open_text(keyring, sealed, b"ctx")


def test_keys_never_show_in_their_repr(key: sm4.DataKey) -> None:
    assert key.secret.hex() not in repr(key)
    signing = SigningKey.generate("signing-1")
    assert "PRIVATE" not in repr(signing) and repr(signing) == "SigningKey('signing-1')"


def test_sm2_signatures_verify_with_an_independent_implementation() -> None:
    signing = SigningKey.generate("signing-1")
    data = b"supervision-hub journal checkpoint\nmessages\n42\n" + b"ab" * 32
    signature = signing.sign(data)
    # gmssl (pure Python) computes the GB/T 32918 Z value with the default user id itself.
    private = signing._private.private_numbers()
    public = private.public_numbers
    checker = gmssl_sm2.CryptSM2(
        private_key=f"{private.private_value:064x}", public_key=f"{public.x:064x}{public.y:064x}"
    )
    r, s = decode_dss_signature(signature)
    assert checker.verify_with_sm3(f"{r:064x}{s:064x}", data)
    assert not checker.verify_with_sm3(f"{r:064x}{s:064x}", data + b"!")


def test_an_sm2_signature_fails_for_other_data_or_another_key() -> None:
    signing = SigningKey.generate("signing-1")
    verifying = VerifyingKey.from_pem("signing-1", signing.verifying_key().public_pem())
    signature = signing.sign(b"checkpoint")
    assert verifying.verify(b"checkpoint", signature)
    assert not verifying.verify(b"checkpoint!", signature)
    assert not SigningKey.generate("other").verifying_key().verify(b"checkpoint", signature)
    assert not verifying.verify(b"checkpoint", b"\x30\x00")
