"""国密 (Chinese commercial cryptography) for the hub's evidence and personal data.

- :mod:`hub.crypto.sm3`: SM3 digests and keyed SM3 (HMAC-SM3) digests;
- :mod:`hub.crypto.sm4`: SM4-GCM sealing of bytes and of text values, the key id inside;
- :mod:`hub.crypto.sm2`: SM2 signatures (GB/T 32918, with SM3 and the default user id);
- :mod:`hub.crypto.keyring`: the keys, held by reference, with their purpose and state.

Libraries, and why: SM3 comes from Python's ``hashlib`` (OpenSSL's implementation, no extra
dependency); SM4 from ``cryptography`` (already a dependency, OpenSSL's cipher in its wheel,
GCM mode so that a changed byte is detected, not decrypted into garbage); SM2 from
``tongsuopy``, the Python binding of Tongsuo (铜锁, the OpenAtom fork of OpenSSL that
implements the 国密 suite), because ``cryptography`` does not expose SM2 signing and the
pure-Python ``gmssl`` leaves the signature's random nonce to its caller. The tests check
tongsuopy's signatures against gmssl's independent implementation.
"""

__all__ = ["keyring", "sm2", "sm3", "sm4"]
