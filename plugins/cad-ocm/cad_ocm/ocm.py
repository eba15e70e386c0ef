"""The OCM API client: the ``ocm`` resource, shared by resources and executors of a run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from cad_core.errors import BadInputError, NotFoundError

from cad_ocm.errors import AmbiguousClusterError
from cad_ocm.http import ApiClient, ClientCredentialsToken, new_session
from cad_ocm.paths import CLUSTERS, cluster_logs_path
from cad_ocm.settings import Settings
from cad_ocm.times import log_time

PAGE_SIZE = 100
MAX_PAGES = 50  # a runaway server must not hold an alert forever


class OcmClient(ApiClient):
    """``get``/``post``/``delete`` against ``CAD_OCM_URL``, plus list paging, the cluster
    lookup, and a small per-run memo for facts that do not change during a run."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        session = new_session()
        # ``clock`` decides when the access token is renewed; tests pass their own.
        tokens = ClientCredentialsToken(
            settings.token_url, settings.client_id, settings.client_secret, session, clock
        )
        super().__init__(settings.ocm_url, tokens, session, service="OCM")
        self.settings = settings
        self._memo: dict[str, dict[str, Any]] = {}
        self._memo_lock = threading.Lock()

    @classmethod
    def from_env(cls) -> OcmClient:
        return cls(Settings.from_env())

    def __repr__(self) -> str:
        return f"OcmClient({self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    def get_cached(self, path: str) -> dict[str, Any]:
        """GET once per run; for objects that cannot change while CAD looks at them."""
        with self._memo_lock:
            if path not in self._memo:
                self._memo[path] = self.get(path)
            return self._memo[path]

    def list_items(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every item of an OCM list, page by page. A missing ``items`` means empty."""
        items: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            body = self.get(path, {**(params or {}), "page": page, "size": PAGE_SIZE})
            batch = body.get("items") or []
            items.extend(batch)
            total = body.get("total")
            if len(batch) < PAGE_SIZE or (isinstance(total, int) and len(items) >= total):
                break
        return items

    def find_cluster(self, identifier: str) -> dict[str, Any]:
        """The one cluster whose internal id, external id or display name is ``identifier``."""
        identifier = identifier.strip()
        if not identifier:
            raise BadInputError("no cluster id given: pass -c CLUSTER or an alert naming one")
        quoted = search_literal(identifier)
        query = f"(id like {quoted} or external_id like {quoted} or display_name like {quoted})"
        body = self.get(CLUSTERS, {"search": query})
        items = body.get("items") or []
        total = body.get("total")
        if not isinstance(total, int):
            total = len(items)
        if not items or total == 0:
            raise NotFoundError(
                f"OCM knows no cluster whose id, external id or name is {identifier!r}"
            )
        if total > 1 or len(items) > 1:
            count = max(total, len(items))
            raise AmbiguousClusterError(
                f"{identifier!r} matches {count} clusters in OCM; "
                "use the internal or external cluster id instead"
            )
        return dict(items[0])

    def service_logs(self, cluster: Mapping[str, Any], query: str = "") -> list[dict[str, Any]]:
        """The cluster's service logs matching ``query`` (OCM search syntax), oldest first."""
        items = self.list_items(cluster_logs_path(cluster), {"search": query} if query else None)
        # OCM lists newest first; consumers read a timeline, so give it oldest first.
        return sorted(items, key=log_time)


def search_literal(value: str) -> str:
    """Quote a value for OCM's search language; refuse what cannot be quoted safely."""
    if "'" in value:
        raise BadInputError(f"{value!r} contains a single quote, which OCM search cannot take")
    return f"'{value}'"
