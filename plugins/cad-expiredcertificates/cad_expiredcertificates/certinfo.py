"""Reading a PEM certificate and judging its expiry against a warning window."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs
from cryptography import x509
from cryptography.x509.oid import NameOID


class CertificateError(ValueError):
    """The data is not a PEM certificate we can read."""


class Expiry(enum.StrEnum):
    EXPIRED = "expired"
    EXPIRING = "expiring"
    VALID = "valid"


@attrs.frozen
class CertInfo:
    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    not_after: datetime

    def expiry(self, now: datetime, window: timedelta) -> Expiry:
        if now >= self.not_after:
            return Expiry.EXPIRED
        if self.not_after - now < window:
            return Expiry.EXPIRING
        return Expiry.VALID

    def needs_attention(self, now: datetime, window: timedelta) -> bool:
        return self.expiry(now, window) is not Expiry.VALID


def parse_certificate(pem: bytes) -> CertInfo:
    """The first certificate of a PEM bundle (the leaf, as the API server serves it)."""
    if not pem.strip():
        raise CertificateError("the certificate data is empty")
    try:
        cert = x509.load_pem_x509_certificates(pem)[0]
    except ValueError:
        raise CertificateError("the data is not a PEM certificate") from None
    return CertInfo(
        subject=_common_name(cert.subject),
        issuer=_common_name(cert.issuer),
        dns_names=_dns_names(cert),
        not_after=cert.not_valid_after_utc,
    )


def _common_name(name: x509.Name) -> str:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else name.rfc4514_string()


def _dns_names(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ()
    return tuple(extension.value.get_values_for_type(x509.DNSName))
