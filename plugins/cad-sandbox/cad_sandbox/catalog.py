"""Scenarios that plugins ship, found by name (``cad sandbox run NAME``).

cad-sandbox ships no scenario of its own: each plugin keeps the scenarios of its
investigations in a ``scenarios/`` folder of its package and names that package in the
``cad_sandbox.scenarios`` entry-point group::

    [project.entry-points."cad_sandbox.scenarios"]
    ticket = "cad_ticket"      # cad_ticket/scenarios/*.yaml

Entry points are read without importing anything but the named package's resources, so
listing the scenarios costs no plugin start-up.
"""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path

from cad_core.errors import BadInputError

GROUP = "cad_sandbox.scenarios"
FOLDER = "scenarios"


def bundled_examples() -> dict[str, Path]:
    """Every installed plugin's scenario files, by name (the file name without ``.yaml``).

    Two plugins shipping one name is an error naming both, so ``cad sandbox run NAME``
    never picks one of them silently.
    """
    found: dict[str, tuple[Path, str]] = {}
    for entry in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
        for path in _scenario_files(entry):
            name = path.stem
            if name in found and found[name][0] != path:
                raise BadInputError(
                    f"scenario {name!r} is shipped by plugins {found[name][1]!r} and "
                    f"{entry.name!r}; rename one"
                )
            found[name] = (path, entry.name)
    return {name: found[name][0] for name in sorted(found)}


def _scenario_files(entry: metadata.EntryPoint) -> list[Path]:
    try:
        folder = resources.files(entry.module) / FOLDER
    except ModuleNotFoundError:
        raise BadInputError(
            f"entry point {entry.name!r} of group {GROUP} names package {entry.module!r}, "
            "which is not installed; reinstall the plugin that declares it"
        ) from None
    if not folder.is_dir():
        return []
    # Files starting with "_" are not scenarios (``_routes.yaml``: see cad_sandbox.routes).
    return [
        Path(str(item))
        for item in folder.iterdir()
        if item.name.endswith(".yaml") and not item.name.startswith("_")
    ]
