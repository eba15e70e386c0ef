"""PagerDuty webhook v3 signatures: ``X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]``.

HMAC-SHA256 of the exact body bytes, keyed by the signing secret as given (not
base64-decoded). Several secrets may be configured in ``PD_SIGNATURE`` (rotation); any
match verifies.

The delivery is named from what the signature covers: the event's ``event.id`` inside the
body (the same on every redelivery), else the interceptor uses the body's digest. The
``X-Webhook-Id`` header is not signed: a replay could carry any id there (issue 22.6).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence

from cad_core.plugins.registrations import Verdict
from cad_core.settings import setting_values

HEADER = "X-PagerDuty-Signature"
SECRETS = "PD_SIGNATURE"
MAX_EVENT_ID = 200


class SignatureError(ValueError):
    """The request is not signed by any configured secret; the message says why."""


def parse_secrets(raw: str) -> list[str]:
    """``PD_SIGNATURE`` is a comma list; blanks are ignored."""
    return [part.strip() for part in raw.split(",") if part.strip()]


def signatures(header_values: Iterable[str]) -> list[bytes]:
    """Every decodable ``v1=`` signature; other schemes and bad hex are skipped."""
    found = []
    for value in header_values:
        for item in value.split(","):
            item = item.strip()
            if not item.startswith("v1="):
                continue
            try:
                found.append(bytes.fromhex(item[3:]))
            except ValueError:
                continue
    return found


def verify(body: bytes, header_values: Sequence[str], secrets: Sequence[str]) -> None:
    """Raise SignatureError unless some secret signed ``body``; compares in constant time."""
    if not secrets:
        raise SignatureError(f"no signing secrets are configured ({SECRETS})")
    if not body:
        raise SignatureError("the webhook body is empty")
    offered = signatures(header_values)
    if not offered:
        raise SignatureError(f"the {HEADER} header is missing or has no v1= signature")
    for secret in secrets:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
        # Check every offered signature, so timing says nothing about which one matched.
        matches = [hmac.compare_digest(expected, candidate) for candidate in offered]
        if any(matches):
            return
    raise SignatureError(f"no {HEADER} signature matches any configured secret")


def verify_request(headers: Mapping[str, Sequence[str]], body: bytes) -> Verdict:
    """The ``AlertSource.verify`` of PagerDuty: headers have lower-case names."""
    from cad_pagerduty.settings import DECLARED

    secrets = setting_values(DECLARED[SECRETS])
    try:
        verify(body, headers.get(HEADER.lower(), ()), secrets)
    except SignatureError as error:
        return Verdict(accepted=False, reason=str(error))
    return Verdict(accepted=True, delivery_id=signed_event_id(body))


def signed_event_id(body: bytes) -> str:
    """``event:<event.id>`` from a verified body; "" when it has none (the digest names it)."""
    from cad_core.run.payload import shape_problem

    if shape_problem(body):  # signed is not the same as cheap to parse
        return ""
    try:
        event = json.loads(body).get("event")
    except (ValueError, RecursionError, AttributeError):
        return ""
    event_id = event.get("id") if isinstance(event, dict) else None
    if isinstance(event_id, str) and 0 < len(event_id.strip()) <= MAX_EVENT_ID:
        return f"event:{event_id.strip()}"
    return ""


def sign(body: bytes, secret: str) -> str:
    """The header value PagerDuty would send (for tests and tooling)."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
