"""Every text this investigation writes, in one place (SRE-facing: notes and reports)."""

from __future__ import annotations

from datetime import datetime, timedelta

from cad_core.plan.caps import named

from cad_expiredcertificates.certinfo import CertInfo, Expiry

SHOWN = 50  # certificates one finding lists; the rest are counted

API = "API server certificates"
INGRESS = "Default ingress certificate"
ROUTES = "Component route certificates"


def tls_area(namespace: str) -> str:
    return f"TLS secrets in {namespace}"


def days(delta: timedelta) -> str:
    """Whole days, rounded (a certificate made "+3d" ago reads "3 days", not "2")."""
    count = round(abs(delta).total_seconds() / 86400)
    if count == 0:
        return "less than a day"
    return f"{count} day" + ("" if count == 1 else "s")


def state(info: CertInfo, now: datetime, window: timedelta) -> str:
    expiry = info.expiry(now, window)
    if expiry is Expiry.EXPIRED:
        return f"EXPIRED {days(now - info.not_after)} ago"
    if expiry is Expiry.EXPIRING:
        return f"EXPIRES SOON, in {days(info.not_after - now)}"
    return f"valid for {days(info.not_after - now)} more"


def describe(info: CertInfo, now: datetime, window: timedelta) -> str:
    until = info.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"subject {info.subject or '(none)'}, issued by {info.issuer or '(none)'}, "
        f"valid until {until}: {state(info, now, window)}"
    )


def unreachable(error: str) -> str:
    return (
        f"CAD could not reach the cluster's API, so no certificate was checked ({error}). "
        "Nothing else was changed; the next investigations carry on."
    )


def no_cluster(error: str) -> str:
    return f"CAD could not look the cluster up, so no certificate was checked ({error})."


HCP_SKIPPED = (
    f"{API}: not checked on a hosted control plane (those secrets live on the management "
    "cluster, which CAD may not read)"
)
NO_NAMED_CERTS = f"{API}: no custom serving certificates are configured"
NO_DEFAULT_CERT = (
    f"{INGRESS}: IngressController/default names no custom certificate, so the router serves "
    "the one the ingress operator manages (checked with the openshift-ingress secrets below)"
)
NO_COMPONENT_ROUTES = (
    f"{ROUTES}: no component route has its own certificate (OAuth and console use the default ones)"
)
CUSTOMER_ROTATES = (
    f"{ROUTES}: these certificates were supplied by the customer, so only the customer can "
    "replace them"
)


def read_failed(area: str, what: str, error: str) -> str:
    return f"{area}: could not read {what} ({error})"


def problems(area: str, entries: list[str]) -> str:
    return f"{area}: {len(entries)} need attention:\n  " + named(entries, SHOWN, "\n  ")


def all_valid(namespace: str, count: int) -> str:
    if count == 0:
        return f"{tls_area(namespace)}: none found"
    if count == 1:
        return f"{tls_area(namespace)}: its one certificate is valid"
    return f"{tls_area(namespace)}: all {count} certificates are valid"


def summary(attention: int, window: timedelta) -> str:
    if attention == 0:
        return f"No certificate CAD could read has expired or expires within {days(window)}."
    return (
        f"{attention} certificate(s) have expired or expire within {days(window)}: "
        "see the lines above."
    )
