"""Hook implementations only: the Lease client lives in :mod:`cad_lease.lease`."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import LockProvider, SandboxSimulator, hookimpl
from cad_core.plugins.checks import number_check, url_check
from cad_core.plugins.registrations import Setting


@hookimpl
def cad_lock_providers() -> Iterator[LockProvider]:
    # Imported here: requests loads only when a run needs its locks, never for `cad --help`.
    from cad_lease.claims import LeaseClaims
    from cad_lease.lease import acquire, check_settings

    yield LockProvider(
        name="lease",
        acquire=acquire,
        check=check_settings,
        claims=LeaseClaims,  # the interceptor's replay window, shared by every replica
        description=(
            "coordination.k8s.io/v1 Leases in CAD's namespace, through the pod's service "
            "account: serialises runs across pods and hosts"
        ),
    )


@hookimpl
def cad_sandbox_simulators() -> Iterator[SandboxSimulator]:
    # Only `cad sandbox` calls this hook: a run never imports the simulator.
    from cad_lease.simulator import simulator

    yield simulator()


@hookimpl
def cad_settings() -> Iterator[Setting]:
    # Names only (cad_lease.settings reads them): declared so the token is redacted everywhere.
    yield Setting(
        name="CAD_LEASE_API_URL",
        description="the Kubernetes API server holding CAD's Leases",
        check=url_check("https", "http"),
    )
    yield Setting(
        name="CAD_LEASE_TOKEN",
        description="bearer token for that API server (default: the pod's service account)",
        secret=True,
    )
    yield Setting(name="CAD_LEASE_NAMESPACE", description="namespace of CAD's Leases")
    yield Setting(name="CAD_LEASE_CA_FILE", description="CA bundle of that API server")
    yield Setting(
        name="CAD_LEASE_DURATION_SECONDS",
        description="leaseDurationSeconds of each Lease (renewed every quarter of it)",
        check=number_check(3),
        default="60",
    )
