"""CAD core: hookspecs, plugin manager, action vocabulary, executor engine and CLI.

Import the names plugin authors need from here; heavier modules (the engine, the
runner) are imported where they are used so that ``cad --help`` stays fast.
"""

from typing import TYPE_CHECKING, Any

# Where each public name lives. Names load on first use (PEP 562), so importing
# cad_core (as every plugin module does) costs almost nothing: `cad --help` stays fast.
_EXPORTS = {
    "cad_core.actions": (
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
        "SimError",
        "SimRequest",
        "SimResponse",
        "register_action_type",
    ),
    "cad_core.context": (
        "Alert",
        "ExecutionContext",
        "InvestigationContext",
        "Resources",
        "RunInfo",
        "SandboxSimulator",
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
    "cad_core.hookspecs": ("hookimpl",),
    "cad_core.locks": ("LockError", "LockLost", "LockUnavailable"),
    "cad_core.notes": ("Notes",),
    "cad_core.registrations": (
        "ActionExecutor",
        "AlertSource",
        "Command",
        "DefaultRoute",
        "FilterField",
        "Investigation",
        "InvestigationResult",
        "LockProvider",
        "MetricsSink",
        "Resource",
        "Setting",
        "Verdict",
    ),
    "cad_core.simulation": ("SandboxSimulator", "SimError", "SimRequest", "SimResponse"),
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
    from cad_core.actions import (
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
    from cad_core.context import (
        Alert,
        ExecutionContext,
        InvestigationContext,
        Resources,
        RunInfo,
    )
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
    from cad_core.hookspecs import hookimpl
    from cad_core.locks import LockError, LockLost, LockUnavailable
    from cad_core.notes import Notes
    from cad_core.registrations import (
        ActionExecutor,
        AlertSource,
        Command,
        DefaultRoute,
        FilterField,
        Investigation,
        InvestigationResult,
        LockProvider,
        MetricsSink,
        Resource,
        Setting,
        Verdict,
    )
    from cad_core.simulation import SandboxSimulator, SimError, SimRequest, SimResponse

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionExecutor",
    "ActionSkipped",
    "Alert",
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
    "NotFoundError",
    "PermanentError",
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
