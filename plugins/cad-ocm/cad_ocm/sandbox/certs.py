"""PEM certificates with chosen validity for ``tls:`` secrets in scenarios.

A scenario may hold hundreds of TLS secrets, so every certificate shares one EC key made
once per process: signing is then about a millisecond, where a fresh RSA key each would
take seconds in all. Nothing ever trusts these certificates; only their fields matter.
"""

from __future__ import annotations

import functools
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@functools.cache
def _shared_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def certificate_pem(
    *,
    common_name: str,
    issuer: str,
    not_before: datetime,
    not_after: datetime,
    dns_names: tuple[str, ...] = (),
) -> tuple[str, str]:
    """(certificate PEM, private key PEM) valid from ``not_before`` to ``not_after``."""
    key = _shared_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    issuer_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )
    if dns_names:
        names = [x509.DNSName(name) for name in dns_names]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()
