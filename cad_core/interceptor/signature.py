"""PagerDuty webhook v3 signatures: ``X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]``.

HMAC-SHA256 of the exact body bytes, keyed by the signing secret as given (not
base64-decoded). Several secrets may be configured (rotation); any match verifies.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

HEADER = "X-PagerDuty-Signature"


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
        raise SignatureError("no signing secrets are configured (PD_SIGNATURE)")
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


def sign(body: bytes, secret: str) -> str:
    """The header value PagerDuty would send (for tests and tooling)."""
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
