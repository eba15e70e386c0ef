"""The comparisons between the pull secret and OCM, on the resources' plain data."""

from __future__ import annotations

import base64

from cad_ocm.pullsecret_check import Finding, email_findings, registry_findings

EMAIL = "owner@example.com"


def auth(user: str, token: str) -> str:
    return base64.b64encode(f"{user}:{token}".encode()).decode()


def secret(**entries: dict[str, str]) -> dict[str, dict[str, dict[str, str]]]:
    return {"auths": {k.replace("_", "."): v for k, v in entries.items()}}


def test_ocm_the_cloud_entry_must_carry_the_owners_email() -> None:
    assert email_findings(secret(cloud_openshift_com={"email": EMAIL}), EMAIL) == []
    assert email_findings(secret(), EMAIL) == [Finding("no_cloud_entry", "cloud.openshift.com")]
    assert email_findings(secret(cloud_openshift_com={"email": ""}), EMAIL) == [
        Finding("no_cloud_email", "cloud.openshift.com")
    ]
    assert email_findings(secret(cloud_openshift_com={"email": "x@y"}), EMAIL) == [
        Finding("email_differs", "cloud.openshift.com")
    ]


def test_ocm_each_ocm_credential_is_compared_with_its_entry() -> None:
    pull = secret(
        quay_io={"email": EMAIL, "auth": auth("u", "t")},
        registry_redhat_io={"email": "other@x", "auth": auth("u", "old")},
        bad_example={"email": EMAIL, "auth": "%%% not base64"},
    )
    credentials = [
        {"registry": "quay.io", "username": "u", "token": "t"},
        {"registry": "registry.redhat.io", "username": "u", "token": "t"},
        {"registry": "bad.example", "username": "u", "token": "t"},
        {"registry": "missing.example", "username": "u", "token": "t"},
        {"registry": "quay.io", "username": "", "token": ""},
        {"registry": "", "registry_id": "reg-1"},
    ]
    assert registry_findings(pull, credentials, EMAIL) == [
        Finding("registry_email_differs", "registry.redhat.io"),
        Finding("credential_differs", "registry.redhat.io"),
        Finding("credential_differs", "bad.example"),
        Finding("registry_missing", "missing.example"),
        Finding("ocm_credential_empty", "quay.io"),
        Finding("no_registry_name", "reg-1"),
    ]
