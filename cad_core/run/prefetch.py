"""What a run reads ahead: the resources its investigations declare (``prefetch=``).

Only investigations that will run are asked: the chain chosen for the alert (its heads
included), without entries whose ``when`` filter has not been decided yet (those are
prefetched when their filter lets them run). Before the alert is read, only what the
chain heads declare and may be built without the alert (``Resource.before_alert``) starts,
because the heads run before every chain.

What touches the customer's cluster (a ``scope="investigation"`` resource such as
``kube``, whose build opens a backplane remediation, or anything that needs one) waits
until the chain's first entry (precheck, which looks at access protection) has finished
and let the chain go on; then the later entries' declarations of it start, side by side
with the entries still running before them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cad_core.config.routes import ChainEntry
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
    """Start the reads of every entry that will run unless the chain stops early, except
    what touches the cluster (:func:`prefetch_after_first` starts that)."""
    for entry in entries:
        if entry.when is None:
            view = resources.scoped(entry.name)
            early = [n for n in declared(registry, entry.name) if not touches_cluster(view, n)]
            if early:
                view.prefetch(early)


def prefetch_after_first(
    resources: Resources, registry: Registry, entries: Sequence[ChainEntry]
) -> None:
    """Once the chain's first entry has let it go on: the later entries' reads that touch
    the cluster (their own ``kube`` and what is read through it)."""
    for entry in entries[1:]:
        if entry.when is None:
            view = resources.scoped(entry.name)
            late = [n for n in declared(registry, entry.name) if touches_cluster(view, n)]
            if late:
                view.prefetch(late)


def touches_cluster(view: Resources, name: str) -> bool:
    """Whether building ``name`` builds an investigation-scoped resource (``kube``)."""
    return any(view.key_of(n)[1] for n in _with_needs(view, [name]))


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
