"""What a run reads ahead: the resources its investigations declare (``prefetch=``).

Only investigations that will run are asked: the chain chosen for the alert (its heads
included), without entries whose ``when`` filter has not been decided yet (those are
prefetched when their filter lets them run). Before the alert is read, only what the
chain heads declare and may be built without the alert (``Resource.before_alert``) starts,
because the heads run before every chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cad_core.config.routing import ChainEntry
from cad_core.errors import CadError
from cad_core.plugins.registrations import Investigation
from cad_core.plugins.registry import Registry
from cad_core.run.context import Resources


def _investigation(registry: Registry, name: str) -> Investigation | None:
    try:
        return registry.investigation(name)
    except CadError:  # an unknown name fails later, where it always did
        return None


def declared(registry: Registry, name: str) -> tuple[str, ...]:
    """What the investigation ``name`` declares it will read; nothing if it is unknown."""
    investigation = _investigation(registry, name)
    return investigation.prefetch if investigation else ()


def prefetch_chain(resources: Resources, registry: Registry, entries: Sequence[ChainEntry]) -> None:
    """Start the reads of every entry that will run unless the chain stops early."""
    for entry in entries:
        if entry.when is None:
            prefetch_investigation(resources, registry, entry.name)


def prefetch_investigation(resources: Resources, registry: Registry, name: str) -> None:
    """Start the reads ``name`` declares, through its own view (investigation scope)."""
    investigation = _investigation(registry, name)
    if investigation is not None and investigation.prefetch:
        resources.scoped(investigation.name).prefetch(investigation.prefetch)


def prefetch_before_alert(resources: Resources, registry: Registry, heads: Iterable[str]) -> None:
    """While the alert is read: what the chain heads declare that needs no alert."""
    wanted = [n for head in heads for n in declared(registry, head)]
    early = [n for n in _with_needs(resources, wanted) if resources.before_alert(n)]
    if early:
        resources.prefetch(early)


def _with_needs(resources: Resources, names: Iterable[str]) -> list[str]:
    found: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in found and resources.has(name):
            found.append(name)
            todo.extend(resources.needs_of(name))
    return found
