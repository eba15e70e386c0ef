"""``access_protected``: read while the cluster is still being looked up.

Precheck needs both the cluster and its access-protection status before anything touches
the cluster, and the status is asked by the cluster's internal id. PagerDuty alerts carry
that internal id (``cluster_id`` in the alert's details), so the status is asked with
the alert's id at the same time as the cluster search, one round trip instead of two.
The answer counts only when the search finds exactly that id; otherwise (the alert named
the cluster by external id or name, or the search found another cluster) the status is
asked again with the id the search found, as before.
"""

from __future__ import annotations

import re
from typing import Any

from cad_core.errors import PermanentError
from cad_core.run.context import Resources

from cad_ocm.paths import ACCESS_PROTECTION

# OCM's internal cluster ids: 32 lower-case letters and digits. External ids are UUIDs
# (with dashes) and names contain dashes or are shorter, so they are not guessed with.
INTERNAL_ID = re.compile(r"[a-z0-9]{32}")


def build_access_protected(resources: Resources) -> bool:
    guess = resources.cluster_id if INTERNAL_ID.fullmatch(resources.cluster_id or "") else ""
    if guess:
        early, cluster = resources.concurrently(
            lambda: _outcome(resources, guess), lambda: resources.get("cluster")
        )
        if cluster["id"] == guess:  # the read made was the read needed: its answer stands
            value, error = early
            if error is not None:
                raise error
            return bool(value)
    return _read(resources, resources.get("cluster")["id"])


def _outcome(resources: Resources, cluster_id: str) -> tuple[bool | None, Exception | None]:
    """The status or the failure, both kept until the search says which id is right."""
    try:
        return _read(resources, cluster_id), None
    except Exception as error:
        return None, error


def _read(resources: Resources, cluster_id: str) -> bool:
    body: dict[str, Any] = resources.get("ocm").get(ACCESS_PROTECTION, {"clusterId": cluster_id})
    if not isinstance(body.get("enabled"), bool):
        raise PermanentError(
            f"OCM GET {ACCESS_PROTECTION} did not say whether access protection is enabled"
        )
    return bool(body["enabled"])
