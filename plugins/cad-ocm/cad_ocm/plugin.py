"""Hook implementations of the ``cad-ocm`` plugin (entry point ``cad: ocm``).

Only hooks live here, and they import lazily, so loading the plugin for ``cad --help``
pulls in neither ``requests`` nor ``boto3``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from cad_core.plugins.hookspecs import hookimpl
from cad_core.plugins.registrations import (
    ActionExecutor,
    FilterField,
    Investigation,
    Resource,
    Setting,
)

if TYPE_CHECKING:
    from cad_core.plugins.simulation import SandboxSimulator


@hookimpl
def cad_settings() -> Iterator[Setting]:
    from cad_ocm.settings import DECLARED

    yield from DECLARED.values()


@hookimpl
def cad_resources() -> Iterator[Resource]:
    from cad_ocm import management, resources

    yield from resources.registrations()
    yield management.registration()


@hookimpl
def cad_action_executors() -> Iterator[ActionExecutor]:
    from cad_ocm import executors

    yield from executors.registrations()


@hookimpl
def cad_investigations() -> Iterator[Investigation]:
    from cad_ocm import ccam, precheck

    yield precheck.INVESTIGATION
    yield ccam.INVESTIGATION


@hookimpl
def cad_filter_fields() -> Iterator[FilterField]:
    from cad_ocm import filter_fields

    yield from filter_fields.registrations()


@hookimpl
def cad_sandbox_simulators() -> Iterator[SandboxSimulator]:
    # Only `cad sandbox` calls this hook: a run never imports the simulators.
    from cad_ocm.sandbox import simulators

    yield from simulators()
