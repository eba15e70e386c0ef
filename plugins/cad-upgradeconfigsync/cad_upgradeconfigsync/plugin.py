"""Hook implementations only: the investigation's logic lives in sibling modules."""

from __future__ import annotations

from collections.abc import Iterator

from cad_core import DefaultRoute, Investigation, hookimpl


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    # Imported here, not at module level: loading plugins for `cad --help` stays cheap.
    from cad_upgradeconfigsync.investigation import run

    yield Investigation(
        name="upgradeconfigsyncfailureover4hr",
        aliases=("upgradeconfigsync", "upgrade-config"),
        run=run,
        default_route=DefaultRoute(alert_titles=("UpgradeConfigSyncFailureOver4HrSRE",)),
        description=(
            "Upgrade config sync failure: checks whether the owner is banned and whether the "
            "cluster's pull secret still matches the owner's OCM account"
        ),
        prefetch=("owner", "owner_ban", "registry_credentials"),
    )
