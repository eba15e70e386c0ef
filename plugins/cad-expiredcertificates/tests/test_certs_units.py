"""Certificate reading, expiry judgement and settings: the pure parts, row by row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cad_core.errors import BadInputError
from cad_ocm.sandbox.certs import certificate_pem

from cad_expiredcertificates import messages
from cad_expiredcertificates.certinfo import CertificateError, Expiry, parse_certificate
from cad_expiredcertificates.settings import WARNING_DAYS, warning_window

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def cert(expires: timedelta, **options):
    pem, _ = certificate_pem(
        common_name=options.get("cn", "api.example.com"),
        issuer=options.get("issuer", "Example CA"),
        not_before=NOW + expires - timedelta(days=90),
        not_after=NOW + expires,
        dns_names=options.get("dns", ()),
    )
    return parse_certificate(pem.encode())


@pytest.mark.parametrize(
    ("expires", "expected", "text"),
    [
        (-timedelta(days=2), Expiry.EXPIRED, "EXPIRED 2 days ago"),
        (timedelta(0), Expiry.EXPIRED, "EXPIRED less than a day ago"),
        (timedelta(days=3), Expiry.EXPIRING, "EXPIRES SOON, in 3 days"),
        (timedelta(days=7) - timedelta(seconds=1), Expiry.EXPIRING, "EXPIRES SOON, in 7 days"),
        (timedelta(days=7), Expiry.VALID, "valid for 7 days more"),
        (timedelta(days=400), Expiry.VALID, "valid for 400 days more"),
    ],
)
def test_expiry_against_a_seven_day_window(expires, expected, text) -> None:
    info = cert(expires)
    assert info.expiry(NOW, WEEK) is expected
    assert messages.state(info, NOW, WEEK) == text


def test_fields_are_read_from_the_certificate() -> None:
    info = cert(timedelta(days=10), cn="console", issuer="Corp CA", dns=("a.example.com",))
    assert (info.subject, info.issuer, info.dns_names) == ("console", "Corp CA", ("a.example.com",))
    assert info.not_after == NOW + timedelta(days=10)


@pytest.mark.parametrize("data", [b"", b"   ", b"-----BEGIN CERTIFICATE-----\nxx\n", b"hello"])
def test_unreadable_certificates_are_a_certificate_error(data) -> None:
    with pytest.raises(CertificateError):
        parse_certificate(data)


def test_window_from_param_env_and_default(monkeypatch) -> None:
    monkeypatch.delenv(WARNING_DAYS, raising=False)
    assert warning_window({}) == WEEK
    monkeypatch.setenv(WARNING_DAYS, "30")
    assert warning_window({}) == timedelta(days=30)
    assert warning_window({"warning_days": "1.5"}) == timedelta(days=1.5)


@pytest.mark.parametrize(
    ("params", "env", "problem"),
    [
        ({"warning_days": "soon"}, None, "not a number"),
        ({"warning_days": "-1"}, None, "between 0 and 3650"),
        ({"warning_days": "inf"}, None, "between 0 and 3650"),
        ({}, "1e9", "at most 3650"),
        ({}, "-2", "at least 0"),
    ],
)
def test_bad_windows_are_one_clear_error(monkeypatch, params, env, problem) -> None:
    if env is not None:
        monkeypatch.setenv(WARNING_DAYS, env)
    with pytest.raises(BadInputError, match=problem):
        warning_window(params)
