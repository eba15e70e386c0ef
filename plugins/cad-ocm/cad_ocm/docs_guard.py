"""Refuse to send a customer the other product's documentation.

A ROSA customer reading an OpenShift Dedicated page (or the reverse) gets wrong steps, so
a service log or limited-support reason whose text links to the other product's docs is
not posted; the responder is asked to send it by hand with the right link.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cad_ocm.errors import DocumentationMismatchError

INDICATORS = {
    "rosa": (
        "docs.openshift.com/rosa/",
        "docs.redhat.com/en/documentation/red_hat_openshift_service_on_aws",
    ),
    "osd": (
        "docs.openshift.com/dedicated/",
        "docs.redhat.com/en/documentation/openshift_dedicated",
    ),
}
PRODUCT_NAMES = {
    "rosa": "Red Hat OpenShift Service on AWS (ROSA)",
    "osd": "OpenShift Dedicated (OSD)",
}
URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)


def cluster_product(cluster: Mapping[str, Any]) -> str | None:
    """``rosa`` or ``osd``; ``None`` for anything else (the guard is then off)."""
    product = str((cluster.get("product") or {}).get("id", "")).lower()
    return product if product in INDICATORS else None


def product_of(text: str) -> str | None:
    lowered = text.lower()
    for product, indicators in INDICATORS.items():
        if any(indicator in lowered for indicator in indicators):
            return product
    return None


def find_mismatch(text: str, product: str) -> tuple[str, str] | None:
    """(offending link, its product), or ``None`` when every reference fits ``product``."""
    for url in URL.findall(text):
        linked = product_of(url)
        if linked and linked != product:
            return url.rstrip(".,;:!?)]}"), linked
    # Links without a scheme still send the reader to the wrong product.
    lowered = text.lower()
    for other, indicators in INDICATORS.items():
        if other == product:
            continue
        for indicator in indicators:
            if indicator in lowered:
                return indicator, other
    return None


def check_documentation(kind: str, summary: str, text: str, cluster: Mapping[str, Any]) -> None:
    """Raise :class:`DocumentationMismatchError` if ``text`` links the wrong product."""
    product = cluster_product(cluster)
    if product is None:
        return
    mismatch = find_mismatch(text, product)
    if mismatch is None:
        return
    link, linked = mismatch
    raise DocumentationMismatchError(
        f"CAD did not send the {kind} '{summary}': it links to {link}, which is "
        f"{PRODUCT_NAMES[linked]} documentation, but this cluster is "
        f"{PRODUCT_NAMES[product]}. Please send it by hand with a link to the "
        f"{PRODUCT_NAMES[product]} documentation instead. The prepared text was:\n{text}",
        kind,
    )
