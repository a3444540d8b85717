"""SM3 digests (GB/T 32905) and keyed SM3 digests (HMAC-SM3).

Python's ``hashlib`` computes SM3 through OpenSSL. An OpenSSL built without it would make
every digest fail; :func:`require_sm3` turns that into a clear configuration error at start-up.
"""

from __future__ import annotations

import hashlib
import hmac

from schemas.contract.errors import ConfigError

#: Bytes of an SM3 digest.
DIGEST_SIZE = 32


def require_sm3() -> None:
    """:class:`ConfigError` unless this Python's OpenSSL provides SM3."""
    if "sm3" not in hashlib.algorithms_available:
        raise ConfigError(
            "this Python's OpenSSL has no SM3 (hashlib.algorithms_available lacks 'sm3'): "
            "install a Python built against OpenSSL 1.1.1 or 3.x with SM3 enabled"
        )


def sm3(data: bytes) -> bytes:
    """The SM3 digest of ``data`` (32 bytes)."""
    return hashlib.new("sm3", data).digest()


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of ``data`` in lower-case hex (64 characters)."""
    return hashlib.new("sm3", data).hexdigest()


def keyed_sm3_hex(key: bytes, data: bytes) -> str:
    """HMAC-SM3 of ``data`` under ``key``, in hex: a digest nobody without the key can
    compute, so that a value with little entropy (an ID number) cannot be found by trying."""
    return hmac.new(key, data, "sm3").hexdigest()
