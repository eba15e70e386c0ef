"""A ledger of the temporary grants CAD holds on customer clusters (backplane remediations).

A remediation is a service account with RBAC on the customer's cluster. A run deletes
its remediation when it ends; a run that is killed cannot. So each one is written down
(cluster, instance id, expiry) as soon as it exists, and the next run that opens one for
the same cluster first deletes every expired entry it finds, then removes the entry.

Entries live under ``CAD_STATE_DIR`` (default ``$XDG_STATE_HOME/cad``, else
``~/.local/state/cad``): one small JSON file each, written atomically. Runs that share
that folder (one machine, or a volume mounted into every run's pod) clean up after each
other. An entry expires ``CAD_GRANT_TTL_SECONDS`` after it is made (default 900: longer
than a run may last), so a live run's grant is never taken away from it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

log = logging.getLogger("cad.ocm.grants")
DEFAULT_TTL = 900.0
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def state_dir() -> Path:
    from cad_core.settings import setting

    configured = setting("CAD_STATE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_STATE_HOME", "").strip() or str(Path.home() / ".local" / "state")
    return Path(base) / "cad"


def ttl_seconds() -> float:
    from cad_ocm.settings import number

    return number("CAD_GRANT_TTL_SECONDS")


@attrs.frozen
class Grant:
    cluster_id: str
    instance_id: str
    name: str
    expires: float  # seconds since the epoch


class GrantLedger:
    """Where open grants are written down; every failure to write is logged, never fatal."""

    def __init__(self, root: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.root = (root or state_dir()) / "remediations"
        self.clock = clock

    def _file(self, cluster_id: str, instance_id: str) -> Path:
        return self.root / _SAFE.sub("_", cluster_id) / f"{_SAFE.sub('_', instance_id)}.json"

    def record(self, grant: Grant) -> None:
        path = self._file(grant.cluster_id, grant.instance_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".grant-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(attrs.asdict(grant), handle)
            os.replace(tmp, path)
        except OSError as error:
            log.warning("cannot write down remediation %s: %s", grant.instance_id, error)

    def forget(self, cluster_id: str, instance_id: str) -> None:
        try:
            self._file(cluster_id, instance_id).unlink(missing_ok=True)
        except OSError as error:
            log.warning("cannot remove the entry of remediation %s: %s", instance_id, error)

    def expired(self, cluster_id: str) -> list[Grant]:
        folder = self.root / _SAFE.sub("_", cluster_id)
        now, found = self.clock(), []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            grant = _read(path)
            if grant is not None and grant.cluster_id == cluster_id and grant.expires <= now:
                found.append(grant)
        return found


def _read(path: Path) -> Grant | None:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        return Grant(
            cluster_id=str(data["cluster_id"]),
            instance_id=str(data["instance_id"]),
            name=str(data["name"]),
            expires=float(data["expires"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("ignoring the unreadable grant entry %s: %s", path, error)
        return None
