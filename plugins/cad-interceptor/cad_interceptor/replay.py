"""The replay window's settings, and where it is kept (said plainly at start-up)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from cad_core.errors import BadInputError
from cad_core.settings import number, setting

from cad_interceptor.settings import REPLAY_MAX_KEYS, REPLAY_WINDOW

if TYPE_CHECKING:
    from cad_core.plugins.registry import Registry
    from cad_core.run.claims import ClaimStore

log = logging.getLogger("cad.interceptor")

WINDOW_SETTING = REPLAY_WINDOW.name
MAX_KEYS_SETTING = REPLAY_MAX_KEYS.name
DEFAULT_WINDOW, DEFAULT_MAX_KEYS = 600.0, 50_000


def replay_settings() -> tuple[float, int]:
    """The window (s) and the most keys it may hold; 0 (turning it off) is refused."""
    window = number(REPLAY_WINDOW)  # declared at least 0, so that 0 gets its own words
    if window == 0:
        raise BadInputError(
            f"{WINDOW_SETTING}=0 would turn replay protection off, which CAD does not allow; "
            f"set at least 1 (the default is {DEFAULT_WINDOW:g})"
        )
    if window < 1:
        raise BadInputError(f"{WINDOW_SETTING}={setting(REPLAY_WINDOW)!r} must be at least 1")
    max_keys = int(number(REPLAY_MAX_KEYS))
    return window, max_keys


def replay_store(registry: Registry, window: float) -> ClaimStore | None:
    """The lock provider's claim store, or None; either way the log says which."""
    from cad_core.run.locks import PROVIDER_SETTING, RunLocks

    provider = RunLocks.from_env(registry).provider
    store = provider.claims() if provider.claims is not None else None
    if store is not None:
        log.info(
            "replay window: %g s per webhook, kept by the %r lock provider in %s: it "
            "survives a restart",
            window,
            provider.name,
            store.where,
        )
        return store
    why = (
        "it keeps nothing durable"
        if provider.claims is None
        else "it has nowhere to keep it (set CAD_STATE_DIR to a folder on a volume)"
    )
    log.warning(
        "replay window: %g s per webhook, in memory only: the %s=%s lock provider %s. A "
        "restart or rollout forgets it, and each replica keeps its own",
        window,
        PROVIDER_SETTING,
        provider.name,
        why,
    )
    return None
