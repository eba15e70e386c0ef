"""CAD core: hookspecs, plugin manager, action vocabulary, executor engine and CLI.

Import the names plugin authors need from here; heavier modules (the engine, the
runner) are imported where they are used so that ``cad --help`` stays fast.
"""

import sys
from typing import TYPE_CHECKING, Any


class _OldPaths:
    """Old module paths (before 0.2) load, with a DeprecationWarning (``cad_core._moved``).

    Last on ``sys.meta_path``, so it is asked only about a module no other finder found:
    the table of old paths is imported on the first such import, not by every process."""

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> Any:
        if not fullname.startswith("cad_core."):
            return None
        from cad_core import _moved

        return _moved.install().find_spec(fullname, path, target)


if not any(type(finder).__name__ == "_OldPaths" for finder in sys.meta_path):
    sys.meta_path.append(_OldPaths())

# Where each public name lives. Names load on first use (PEP 562), so importing
# cad_core (as every plugin module does) costs almost nothing: `cad --help` stays fast.
_EXPORTS = {
    "cad_core.plan.actions": (
        "Action",
        "Audience",
        "ClusterReport",
        "EscalateIncident",
        "IncidentNote",
        "IncidentTitle",
        "LimitedSupport",
        "ReassignIncident",
        "ServiceLog",
        "SilenceIncident",
        "register_action_type",
    ),
    "cad_core.run.context": (
        "Alert",
        "ExecutionContext",
        "InvestigationContext",
        "Resources",
        "RunInfo",
    ),
    "cad_core.errors": (
        "ActionSkipped",
        "BadInputError",
        "CadError",
        "FindingError",
        "InfrastructureError",
        "MissingSettingError",
        "NotFoundError",
        "PermanentError",
        "TransientError",
    ),
    "cad_core.plugins.hookspecs": ("hookimpl",),
    "cad_core.run.locks": ("LockError", "LockLost", "LockUnavailable"),
    "cad_core.plan.notes": ("Notes",),
    "cad_core.plan.view": ("PlanView",),
    "cad_core.plugins.registrations": (
        "ActionExecutor",
        "AlertPlan",
        "AlertPlanResult",
        "AlertSource",
        "Command",
        "DefaultRoute",
        "FilterField",
        "Investigation",
        "InvestigationResult",
        "LockProvider",
        "MetricsSink",
        "OutputFormat",
        "Resource",
        "Setting",
        "Verdict",
    ),
    "cad_core.plugins.simulation": ("SandboxSimulator", "SimError", "SimRequest", "SimResponse"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'cad_core' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from cad_core.errors import (
        ActionSkipped,
        BadInputError,
        CadError,
        FindingError,
        InfrastructureError,
        MissingSettingError,
        NotFoundError,
        PermanentError,
        TransientError,
    )
    from cad_core.plan.actions import (
        Action,
        Audience,
        ClusterReport,
        EscalateIncident,
        IncidentNote,
        IncidentTitle,
        LimitedSupport,
        ReassignIncident,
        ServiceLog,
        SilenceIncident,
        register_action_type,
    )
    from cad_core.plan.notes import Notes
    from cad_core.plan.view import PlanView
    from cad_core.plugins.hookspecs import hookimpl
    from cad_core.plugins.registrations import (
        ActionExecutor,
        AlertPlan,
        AlertPlanResult,
        AlertSource,
        Command,
        DefaultRoute,
        FilterField,
        Investigation,
        InvestigationResult,
        LockProvider,
        MetricsSink,
        OutputFormat,
        Resource,
        Setting,
        Verdict,
    )
    from cad_core.plugins.simulation import SandboxSimulator, SimError, SimRequest, SimResponse
    from cad_core.run.context import (
        Alert,
        ExecutionContext,
        InvestigationContext,
        Resources,
        RunInfo,
    )
    from cad_core.run.locks import LockError, LockLost, LockUnavailable

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionExecutor",
    "ActionSkipped",
    "Alert",
    "AlertPlan",
    "AlertPlanResult",
    "Audience",
    "AlertSource",
    "BadInputError",
    "CadError",
    "ClusterReport",
    "Command",
    "DefaultRoute",
    "EscalateIncident",
    "FilterField",
    "ExecutionContext",
    "FindingError",
    "IncidentNote",
    "IncidentTitle",
    "InfrastructureError",
    "Investigation",
    "InvestigationContext",
    "InvestigationResult",
    "LimitedSupport",
    "LockError",
    "LockLost",
    "LockProvider",
    "LockUnavailable",
    "MetricsSink",
    "MissingSettingError",
    "Notes",
    "OutputFormat",
    "NotFoundError",
    "PermanentError",
    "PlanView",
    "ReassignIncident",
    "Resource",
    "Resources",
    "RunInfo",
    "SandboxSimulator",
    "ServiceLog",
    "Setting",
    "SilenceIncident",
    "SimError",
    "SimRequest",
    "SimResponse",
    "TransientError",
    "Verdict",
    "hookimpl",
    "register_action_type",
]
