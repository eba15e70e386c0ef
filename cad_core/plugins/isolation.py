"""A registry of only the named installed plugins, for tests and ``run_scenario``.

So another team's plugin in the same environment cannot disturb them."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Collection, Iterator

from cad_core.plugins.registry import Registry, build_registry, set_registry


@contextlib.contextmanager
def only_these(names: Collection[str]) -> Iterator[None]:
    """Disable every entry-point plugin not named (``CAD_DISABLE_PLUGINS``), then restore.

    A name is an entry-point or distribution name; one that matches nothing installed is
    a ``ValueError`` (a typo would otherwise test nothing at all)."""
    from cad_core.plugins.startcache import entry_points

    wanted = {name.lower().replace("_", "-") for name in names}
    others, found = [], set()
    for ep in entry_points():
        keys = {name.lower().replace("_", "-") for name in (ep.name, ep.distribution)}
        found |= keys & wanted
        if not keys & wanted:
            others.append(ep.name)
    if wanted - found:
        missing = ", ".join(sorted(wanted - found))
        raise ValueError(
            f"no installed cad plugin is named {missing} (entry point or distribution)"
        )
    saved = os.environ.get("CAD_DISABLE_PLUGINS")
    os.environ["CAD_DISABLE_PLUGINS"] = ",".join([saved or "", *others])
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("CAD_DISABLE_PLUGINS", None)
        else:
            os.environ["CAD_DISABLE_PLUGINS"] = saved


def only_plugins(*names: str, modules: Collection[object] = ()) -> Registry:
    """A registry of the named installed plugins (plus inline ``modules``), made current."""
    with only_these(names):
        registry = build_registry(modules, entry_points=True)
    set_registry(registry)
    return registry


@contextlib.contextmanager
def isolated(names: Collection[str] | None) -> Iterator[None]:
    """With ``names``: the named plugins only, as the process registry, for the block;
    the registry of before is put back afterwards. ``None``: the current registry."""
    if names is None:
        yield
        return
    from cad_core.plugins.registry import current_registry

    previous = current_registry()
    only_plugins(*names)
    try:
        yield
    finally:
        set_registry(previous)
