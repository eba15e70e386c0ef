"""A ledger of the temporary grants CAD holds on customer clusters (backplane remediations).

A remediation is a service account with RBAC on the customer's cluster. A run deletes
its remediation when it ends (also on SIGTERM or Ctrl-C: ``cad_core.run.shutdown``); a run
that is SIGKILLed cannot. Backplane's remediation API cannot list a cluster's
remediations, label them, name them or give them an expiry (``createRemediation`` takes
only the remediation name and returns an id it chose), so nothing on the remote side
says which are CAD's. So each one is written down here as soon as it exists, and the next
run that opens one for the same cluster first deletes every entry whose run is provably
gone:

* its heartbeat stopped: a live run rewrites its entry every ``HEARTBEAT_SECONDS``; one
  not rewritten for ``HEARTBEAT_GRACE_SECONDS`` belongs to a run that was killed (wall
  clock, shared by the pods that share the folder: keep their clocks within the grace);
* its process is gone: written on this host by a process id that no longer exists;
* its ``CAD_GRANT_TTL_SECONDS`` passed (a backstop: longer than a run may last).

A management-cluster remediation of an HCP cluster (opened with ``managingCluster=management``
on the hosted cluster's id) is written down under the hosted cluster's id, with
``managing_cluster`` saying so: it is deleted with the same parameter, and swept by the
next run that opens either kind of remediation for that cluster.

Entries are signed: an HMAC over every field with a key derived from CAD's OCM client
secret, which only CAD holds. A file anyone else put in the folder (or edited) fails the
check and is left alone, logged: a ledger entry never makes CAD delete a grant it cannot
show it created.

Entries live under ``CAD_STATE_DIR`` (default ``$XDG_STATE_HOME/cad``, else
``~/.local/state/cad``): one small JSON file each, written atomically. Runs that share
that folder (one machine, or a volume mounted into every run's pod) clean up after each
other.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

log = logging.getLogger("cad.ocm.grants")
DEFAULT_TTL = 900.0
HEARTBEAT_SECONDS = 15.0
HEARTBEAT_GRACE_SECONDS = 60.0  # four missed heartbeats: the run is gone
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")
_KEY_PURPOSE = b"cad-ocm grant ledger v1"
RUN_ID = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
MANAGEMENT = "management"  # backplane's managingCluster value: an HCP cluster's management cluster
_MANAGING_CLUSTERS = ("", MANAGEMENT)  # "": the cluster's own


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


def ledger_key(secret: str) -> bytes:
    """The signing key of ledger entries, derived from a secret only CAD holds."""
    return hmac.new(secret.encode(), _KEY_PURPOSE, hashlib.sha256).digest()


# Converters are functions, not the builtins float and int: attrs reads a converter's
# signature, and a builtin's is parsed from text with tokenize, whose first use compiles
# its regular expressions (~3 ms of every run that opens a grant, issue 26).
def _seconds(value: float) -> float:
    return float(value)


def _pid(value: int) -> int:
    return int(value)


@attrs.frozen
class Grant:
    cluster_id: str
    instance_id: str
    name: str
    # Converted, so that what is signed reads back the same from JSON (0 and 0.0 differ).
    expires: float = attrs.field(converter=_seconds)  # seconds since the epoch
    owner: str = RUN_ID  # the run that opened it: host, process id, a random part
    host: str = attrs.field(factory=socket.gethostname)
    pid: int = attrs.field(factory=os.getpid, converter=_pid)
    created: float = attrs.field(factory=time.time, converter=_seconds)
    heartbeat: float = attrs.field(factory=time.time, converter=_seconds)
    # Which cluster holds the grant: "" the cluster's own, MANAGEMENT its management cluster.
    # Left out of the entry when "", so entries written before it existed verify unchanged.
    managing_cluster: str = attrs.field(
        default="", validator=attrs.validators.in_(_MANAGING_CLUSTERS)
    )

    @property
    def place(self) -> str:
        """Where the grant is, for logs."""
        if self.managing_cluster:
            return f"the {self.managing_cluster} cluster of cluster {self.cluster_id}"
        return f"cluster {self.cluster_id}"


def _signed_fields(grant: Grant) -> dict[str, Any]:
    """The entry's fields; ``managing_cluster`` only when set (the previous format had none)."""
    fields = attrs.asdict(grant)
    if not fields["managing_cluster"]:
        del fields["managing_cluster"]
    return fields


class GrantLedger:
    """Where open grants are written down; every failure to write is logged, never fatal."""

    def __init__(
        self,
        root: Path | None = None,
        clock: Callable[[], float] = time.time,
        key: bytes = b"",
    ) -> None:
        self.root = (root or state_dir()) / "remediations"
        self.clock = clock
        self.key = key  # empty: entries can be written, but none is trusted for deleting

    def _file(self, cluster_id: str, instance_id: str, managing_cluster: str = "") -> Path:
        # "+" never survives _SAFE, so a management entry's name cannot be an instance id's.
        kind = f"{managing_cluster}+" if managing_cluster else ""
        name = f"{kind}{_SAFE.sub('_', instance_id)}.json"
        return self.root / _SAFE.sub("_", cluster_id) / name

    def _mac(self, fields: dict[str, Any]) -> str:
        text = json.dumps(fields, sort_keys=True, separators=(",", ":"))
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def record(self, grant: Grant) -> None:
        path = self._file(grant.cluster_id, grant.instance_id, grant.managing_cluster)
        fields = _signed_fields(grant)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".grant-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({**fields, "mac": self._mac(fields)}, handle)
            os.replace(tmp, path)
        except OSError as error:
            log.warning("cannot write down remediation %s: %s", grant.instance_id, error)

    def forget(self, cluster_id: str, instance_id: str, managing_cluster: str = "") -> None:
        try:
            self._file(cluster_id, instance_id, managing_cluster).unlink(missing_ok=True)
        except OSError as error:
            log.warning("cannot remove the entry of remediation %s: %s", instance_id, error)

    def keep_alive(self, grant: Grant) -> Callable[[], None]:
        """Rewrite the entry's heartbeat until the returned function is called."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                self.record(attrs.evolve(grant, heartbeat=self.clock()))

        threading.Thread(target=beat, name=f"grant-{grant.instance_id}", daemon=True).start()
        return stop.set

    def abandoned(self, cluster_id: str) -> list[Grant]:
        """This cluster's grants that CAD provably opened and whose run is provably gone:
        on the cluster itself and, for an HCP cluster, on its management cluster."""
        folder = self.root / _SAFE.sub("_", cluster_id)
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            grant = self._read(path)
            if grant is not None and grant.cluster_id == cluster_id and self._gone(grant):
                found.append(grant)
        return found

    def _gone(self, grant: Grant) -> bool:
        now = self.clock()
        if grant.owner == RUN_ID:
            return False  # ours: closed by this run
        if grant.expires <= now or grant.heartbeat + HEARTBEAT_GRACE_SECONDS <= now:
            return True
        return grant.host == socket.gethostname() and not _process_exists(grant.pid)

    def _read(self, path: Path) -> Grant | None:
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            mac = str(data.pop("mac", ""))
            grant = Grant(
                cluster_id=str(data["cluster_id"]),
                instance_id=str(data["instance_id"]),
                name=str(data["name"]),
                expires=float(data["expires"]),
                owner=str(data["owner"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                created=float(data["created"]),
                heartbeat=float(data["heartbeat"]),
                managing_cluster=str(data.get("managing_cluster", "")),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            log.warning("ignoring the unreadable grant entry %s: %s", path, error)
            return None
        if not self.key or not hmac.compare_digest(mac, self._mac(_signed_fields(grant))):
            log.warning(
                "leaving remediation %s on %s alone: its ledger entry %s is not signed "
                "by CAD (planted or edited, or written before the OCM client secret rotated)",
                grant.instance_id,
                grant.place,
                path,
            )
            return None
        return grant


def _process_exists(pid: int) -> bool:
    if pid <= 0:
        return True  # unknown: cannot prove it is gone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
