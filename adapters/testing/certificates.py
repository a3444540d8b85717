"""Throwaway certificates for tests and the demo: a CA, servers and clients it issues.

Made with the ``cryptography`` package (no ``openssl`` command needed). The keys are EC P-256,
written unencrypted: these certificates are for loopback tests and ``hub demo`` only, never
for a real endpoint (an operator's certificates come from the district's CA).

    ca = CertificateAuthority.create(folder, "test CA")
    server = ca.issue(folder, "server", hosts=["127.0.0.1", "localhost"])
    client = ca.issue(folder, "client", client=True)
    server.tls(client_ca=ca)     # a TlsConfig with file: references
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from adapters.sdk.http_options import TlsConfig

_VALID = dt.timedelta(days=2)


@dataclass(frozen=True)
class CertifiedKey:
    """A certificate and its key, as PEM files."""

    cert: Path
    key: Path

    def tls(self, client_ca: CertificateAuthority | None = None) -> TlsConfig:
        """Serve with this certificate (requiring clients certified by ``client_ca``)."""
        return TlsConfig(cert=f"file:{self.cert}", key=f"file:{self.key}",
                         client_ca=f"file:{client_ca.cert}" if client_ca else None)


@dataclass(frozen=True)
class CertificateAuthority:
    """A CA whose certificate (``cert``, to trust) signs servers' and clients' certificates."""

    cert: Path
    _name: x509.Name
    _key: ec.EllipticCurvePrivateKey

    @classmethod
    def create(cls, folder: Path, name: str) -> CertificateAuthority:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (_builder(subject, subject, key.public_key())
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(x509.KeyUsage(
                    digital_signature=True, key_cert_sign=True, crl_sign=True,
                    content_commitment=False, key_encipherment=False, data_encipherment=False,
                    key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        path = _write(folder, _slug(name), cert, key)[0]
        return cls(path, subject, key)

    def issue(self, folder: Path, name: str, *, hosts: list[str] | None = None,
              client: bool = False) -> CertifiedKey:
        """A certificate for a server at ``hosts`` (names or addresses), or for a client."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        builder = (_builder(subject, self._name, key.public_key())
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
        if hosts:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([_general_name(host) for host in hosts]),
                critical=False)
        cert, key_path = _write(folder, _slug(name), builder.sign(self._key, hashes.SHA256()), key)
        return CertifiedKey(cert, key_path)


def _builder(subject: x509.Name, issuer: x509.Name,
             public_key: ec.EllipticCurvePublicKey) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + _VALID))


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower())


def _write(folder: Path, stem: str, cert: x509.Certificate,
           key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{stem}.crt", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path
