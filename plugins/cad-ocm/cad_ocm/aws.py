"""The customer's AWS session, from backplane's cloud credentials."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cad_core.errors import PermanentError

KEYS = ("AccessKeyID", "SecretAccessKey", "SessionToken")


def parse_credentials(reply: Mapping[str, Any]) -> dict[str, Any]:
    """Backplane sends the credentials as a JSON *string*; accept an object too.

    Error texts here never quote the reply: it holds secrets.
    """
    raw = reply.get("credentials")
    try:
        credentials = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise PermanentError("backplane's cloud credentials are not valid JSON") from None
    if not isinstance(credentials, dict):
        raise PermanentError("backplane's reply holds no cloud credentials")
    missing = [key for key in KEYS if not credentials.get(key)]
    if missing:
        raise PermanentError(f"backplane's cloud credentials lack {', '.join(missing)}")
    return credentials


def session_from_reply(reply: Mapping[str, Any], fallback_region: str = "") -> Any:
    """A ``boto3.session.Session`` for the customer account.

    botocore's own retries are switched off (one attempt per call): CAD retries in one
    layer, the runner's. ``AWS_ENDPOINT_URL`` and ``AWS_CA_BUNDLE`` apply as usual. Its
    ``client()`` comes from one cache per process (:mod:`cad_ocm.awsclients`).
    """
    from cad_ocm.awsclients import CustomerSession

    credentials = parse_credentials(reply)
    region = str(credentials.get("Region") or reply.get("region") or fallback_region or "")
    return CustomerSession(
        credentials["AccessKeyID"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
        region or None,
    )
