"""Compare the cluster's pull secret with the owner's OCM account. Pure functions: each
returns the findings as short facts; no credential ever appears in one."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

CLOUD_AUTH = "cloud.openshift.com"


@attrs.frozen
class Finding:
    """``kind`` names the check, ``registry`` the pull-secret entry it is about."""

    kind: str
    registry: str = ""


def email_findings(pull_secret: Mapping[str, Any], owner_email: str) -> list[Finding]:
    """The ``cloud.openshift.com`` entry must carry the owner's e-mail."""
    entry = (pull_secret.get("auths") or {}).get(CLOUD_AUTH)
    if entry is None:
        return [Finding("no_cloud_entry", CLOUD_AUTH)]
    if not entry.get("email"):
        return [Finding("no_cloud_email", CLOUD_AUTH)]
    if entry["email"] != owner_email:
        return [Finding("email_differs", CLOUD_AUTH)]
    return []


def registry_findings(
    pull_secret: Mapping[str, Any], credentials: Sequence[Mapping[str, Any]], owner_email: str
) -> list[Finding]:
    """Each OCM registry credential must be in the pull secret, with the owner's e-mail and
    the same ``username:token``."""
    auths = pull_secret.get("auths") or {}
    findings = []
    for credential in credentials:
        registry = str(credential.get("registry") or "")
        if not registry:
            findings.append(Finding("no_registry_name", str(credential.get("registry_id") or "")))
            continue
        entry = auths.get(registry)
        if entry is None:
            findings.append(Finding("registry_missing", registry))
            continue
        if entry.get("email") != owner_email:
            findings.append(Finding("registry_email_differs", registry))
        if not credential.get("username") or not credential.get("token"):
            findings.append(Finding("ocm_credential_empty", registry))
        elif _decoded(str(entry.get("auth") or "")) != (
            f"{credential['username']}:{credential['token']}"
        ):
            findings.append(Finding("credential_differs", registry))
    return findings


def _decoded(auth: str) -> str | None:
    try:
        return base64.b64decode(auth, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
