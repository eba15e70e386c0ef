"""A stand-in for ``osd-network-verifier egress``, answering the sandbox scenario's verdict.

Run as ``python -m cad_sandbox.fake_verifier egress [any args]``. It fetches the verdict from
``CAD_SANDBOX_EGRESS_URL`` (trusting ``SSL_CERT_FILE``) and behaves like the real tool:
exit 0 and "All tests passed", exit 1 with one ``egressURL error: <target>`` line per blocked
target, or exit 2 with an error on stderr when it could not run. Only the standard library
is imported, since CAD may start it once per investigation.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.error
import urllib.request
from typing import Any

FETCH_TIMEOUT_S = 10.0


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "egress":
        return _cannot_run("usage: python -m cad_sandbox.fake_verifier egress [args...]")
    url = os.environ.get("CAD_SANDBOX_EGRESS_URL")
    if not url:
        return _cannot_run("CAD_SANDBOX_EGRESS_URL is not set")
    try:
        verdict = _fetch(url)
    except (OSError, ValueError) as exc:
        return _cannot_run(f"the egress verdict could not be fetched: {exc}")
    result = verdict.get("result")
    if result == "success":
        print("All tests passed")
        return 0
    if result == "failure":
        for target in verdict.get("unreachable", []):
            print(f"egressURL error: {target}")
        return 1
    return _cannot_run(str(verdict.get("detail") or f"unexpected verdict {result!r}"))


def _fetch(url: str) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or None)
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S, context=context) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ValueError(f"HTTP {exc.code} from {url}") from None
    if not isinstance(body, dict):
        raise ValueError("the verdict is not a JSON object")
    return body


def _cannot_run(detail: str) -> int:
    print(f"error: verifier could not run: {detail}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
