"""SM2 signatures (GB/T 32918.2) over SM3, through tongsuopy (see :mod:`hub.crypto`).

Signatures are DER-encoded (r, s), computed with the standard's default user id
(1234567812345678) in the Z value, so that any conforming implementation verifies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

from schemas.contract.errors import ConfigError


@dataclass(frozen=True, repr=False)
class SigningKey:
    """An SM2 private key and its id. ``repr`` never shows the key."""

    key_id: str
    _private: ec.EllipticCurvePrivateKey

    @classmethod
    def from_pem(cls, key_id: str, pem: str) -> SigningKey:
        """Load a PKCS#8 PEM private key; :class:`ConfigError` if it is no SM2 key."""
        try:
            private = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
        except (ValueError, TypeError, UnicodeEncodeError) as e:
            raise ConfigError(f"signing key {key_id}: not a PEM private key") from e
        if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "SM2":
            raise ConfigError(f"signing key {key_id}: not an SM2 key")
        return cls(key_id, private)

    @classmethod
    def generate(cls, key_id: str) -> SigningKey:
        return cls(key_id, ec.generate_private_key(ec.SM2()))

    def sign(self, data: bytes) -> bytes:
        """The DER-encoded SM2 signature of ``data``."""
        return self._private.sign(data, ec.ECDSA(hashes.SM3()))

    def private_pem(self) -> str:
        return self._private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def verifying_key(self) -> VerifyingKey:
        return VerifyingKey(self.key_id, self._private.public_key())

    def __repr__(self) -> str:
        return f"SigningKey({self.key_id!r})"


@dataclass(frozen=True)
class VerifyingKey:
    """An SM2 public key and the id of the signing key it belongs to."""

    key_id: str
    _public: ec.EllipticCurvePublicKey

    @classmethod
    def from_pem(cls, key_id: str, pem: str) -> VerifyingKey:
        try:
            public = serialization.load_pem_public_key(pem.encode("ascii"))
        except (ValueError, TypeError, UnicodeEncodeError) as e:
            raise ConfigError(f"verifying key {key_id}: not a PEM public key") from e
        if not isinstance(public, ec.EllipticCurvePublicKey) or public.curve.name != "SM2":
            raise ConfigError(f"verifying key {key_id}: not an SM2 key")
        return cls(key_id, public)

    def verify(self, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's SM2 signature of ``data``."""
        try:
            self._public.verify(signature, data, ec.ECDSA(hashes.SM3()))
        except (InvalidSignature, InternalError, ValueError):  # InternalError: malformed DER
            return False
        return True

    def public_pem(self) -> str:
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
