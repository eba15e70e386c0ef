"""Request economy: how many requests a run makes, by endpoint, and what is read twice.

Runs each shared scenario once in the sandbox and counts requests from the simulators'
request log. A read is flagged as *repeated* when the same service answered the same GET
earlier in the run with no write to that service in between (so nothing could have
changed it). Goal: no repeated reads. Beside our total it prints an estimate of the
upstream Go CAD's count for the same chain: upstream builds resources once per
investigation, so precheck, ccam and chgm/cmbb each look up the cluster and its
infrastructure labels, and ccam and the investigation each fetch AWS credentials; it
also makes none of our idempotency reads (PagerDuty notes and incident, reports, the
limited-support list). The estimate is derived from our own log by that rule.

    .venv/bin/python bench/request_economy.py
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from typing import Any

from cad_sandbox.commands import run_scenario
from cad_sandbox.scenario import bundled_examples

SCENARIOS = (
    "chgm-customer-stopped-instances",
    "chgm-deadmanssnitch-blocked",
    "chgm-no-stopped-instances-egress-ok",
    "cmbb-monitoring-healthy",
    "cmbb-uwm-configmap-invalid",
    "faults-ocm-503-then-ok",
)
PER_INVESTIGATION = (r"^GET /api/clusters_mgmt/v1/clusters$", r"/external_configuration/labels$")
PER_AWS_CLIENT = r"^GET /backplane/cloud/credentials/"
IDEMPOTENCY_READS = (
    r"^GET /incidents/[^/]+/notes$",
    r"^GET /incidents/[^/]+$",
    r"/reports$",
    r"/limited_support_reasons$",
)


def endpoint(request: dict[str, Any]) -> str:
    return f"{request['method']} {request['path']}"


def repeated_reads(requests: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, set[str]] = {}
    repeats = []
    for request in requests:
        service = request["service"]
        if request.get("write"):
            seen.pop(service, None)  # state may have changed: later reads are fresh
            continue
        if request["method"] != "GET":
            continue  # AWS queries are POSTs whose bodies differ
        key = endpoint(request)
        if key in seen.setdefault(service, set()):
            repeats.append(f"{service} {key}")
        seen[service].add(key)
    return repeats


def upstream_estimate(requests: list[dict[str, Any]], investigations: int) -> int:
    ours = [endpoint(r) for r in requests if r["status"] not in (503, 429)]
    per_investigation = sum(1 for e in ours if any(re.search(p, e) for p in PER_INVESTIGATION))
    credentials = sum(1 for e in ours if re.search(PER_AWS_CLIENT, e))
    idempotency = sum(1 for e in ours if any(re.search(p, e) for p in IDEMPOTENCY_READS))
    extra = per_investigation * (investigations - 1) + credentials  # ccam and the target
    return len(ours) + extra - idempotency


def main() -> int:
    ok = True
    for name in SCENARIOS:
        result = run_scenario(name)
        record = result.runs[0][2]
        investigations = sum(1 for i in record.investigations if i.status != "filtered")
        repeats = repeated_reads(result.requests)
        ok &= not repeats
        by_service = Counter(r["service"] for r in result.requests)
        print(
            f"{name}: {len(result.requests)} requests "
            f"({', '.join(f'{s} {n}' for s, n in sorted(by_service.items()))}); "
            f"upstream estimate {upstream_estimate(result.requests, investigations)}; "
            f"repeated reads: {', '.join(repeats) or 'none'} "
            f"[{'PASS' if not repeats else 'FAIL'}]"
        )
        for key, count in sorted(
            Counter(f"{r['service']} {endpoint(r)}" for r in result.requests).items()
        ):
            print(f"    {count:3d}  {key}")
    assert set(SCENARIOS) <= set(bundled_examples())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
