"""Hook implementations only: the Lease client lives in :mod:`cad_lease.lease`."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import LockProvider, SandboxSimulator, Setting, hookimpl


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_lease.settings import DECLARED

    yield from DECLARED.values()


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
