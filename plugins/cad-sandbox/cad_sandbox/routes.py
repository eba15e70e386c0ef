"""The routing config ``cad sandbox run`` uses without ``--config``, made from what is installed.

It routes as ``cad run`` without a config does (each installed investigation's default
route, its chain heads), plus the *sandbox routes* plugins ship beside their scenarios
for investigations whose default route does not fit the sandbox (none, or experimental, as
cannotretrieveupdates' is upstream): ``scenarios/_routes.yaml`` in the
package a plugin names in the ``cad_sandbox.scenarios`` entry-point group, holding
``alerts:`` entries in the routing config's schema::

    alerts:
      - {alert_title: DiskFillingUp, name: DiskFillingUp, investigations: [diskfull]}

So a scenario of any installed plugin routes, and cad-sandbox names none of them.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import tempfile
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from cad_core.errors import BadInputError

from cad_sandbox.catalog import FOLDER, GROUP

ROUTES_FILE = "_routes.yaml"


def sandbox_routing() -> dict[str, Any]:
    """The config as data: chain heads, the plugins' sandbox routes, their default routes."""
    from cad_core.plugins.registry import get_registry

    # In registration order, as `cad run` without a config takes them (chain heads' order).
    registrations = get_registry().registrations("cad_investigations")
    investigations = list(dict.fromkeys(reg.item for reg in registrations))
    installed = {inv.name for inv in investigations}
    alerts = [
        alert for alert in shipped_routes() if set(alert.get("investigations") or ()) <= installed
    ]
    named = {name for alert in alerts for name in alert.get("investigations") or ()}
    for inv in investigations:
        if inv.default_route is None or inv.name in named:
            continue
        for title in inv.default_route.alert_titles:
            alert: dict[str, Any] = {"alert_title": title, "name": inv.name}
            alert["investigations"] = [inv.name]
            if inv.default_route.experimental:
                alert["experimental"] = True
            alerts.append(alert)
    alerts.sort(key=lambda alert: -len(str(alert.get("alert_title", ""))))
    heads = [inv.name for inv in investigations if inv.chain_head]
    return {"chain_heads": heads, "alerts": alerts}


def shipped_routes() -> list[dict[str, Any]]:
    """Every installed plugin's sandbox routes (``alerts:`` entries), in entry-point order."""
    import yaml

    found: list[dict[str, Any]] = []
    for entry in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            path = resources.files(entry.module) / FOLDER / ROUTES_FILE
        except ModuleNotFoundError:
            continue  # the scenario catalog reports a missing package
        if not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        alerts = data.get("alerts") if isinstance(data, dict) else None
        if not isinstance(alerts, list) or not all(isinstance(a, dict) for a in alerts):
            raise BadInputError(
                f"sandbox routes {path} ({entry.name}): expected 'alerts:' with a list of "
                "routing entries"
            )
        found.extend(alerts)
    return found


def routing_file() -> str:
    """The config written to a file (one per content, in a folder removed at exit)."""
    import yaml

    text = yaml.safe_dump(sandbox_routing(), sort_keys=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = _folder() / f"routing-{digest}.yaml"
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return str(path)


@functools.cache
def _folder() -> Path:
    import atexit

    folder = Path(tempfile.mkdtemp(prefix="cad-sandbox-routing-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder
