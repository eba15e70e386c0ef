"""CAD core: hookspecs, plugin manager, action vocabulary, executor engine and CLI.

Import the names plugin authors need from here; heavier modules (the engine, the
runner) are imported where they are used so that ``cad --help`` stays fast.
"""

from cad_core.actions import (
    Action,
    ClusterReport,
    EscalateIncident,
    IncidentNote,
    IncidentTitle,
    LimitedSupport,
    ServiceLog,
    SilenceIncident,
    register_action_type,
)
from cad_core.context import Alert, ExecutionContext, InvestigationContext, Resources
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
from cad_core.notes import Notes
from cad_core.registrations import (
    ActionExecutor,
    AlertSource,
    Command,
    Investigation,
    InvestigationResult,
    MetricsSink,
    Resource,
)

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ActionExecutor",
    "ActionSkipped",
    "Alert",
    "AlertSource",
    "BadInputError",
    "CadError",
    "ClusterReport",
    "Command",
    "EscalateIncident",
    "ExecutionContext",
    "FindingError",
    "IncidentNote",
    "IncidentTitle",
    "InfrastructureError",
    "Investigation",
    "InvestigationContext",
    "InvestigationResult",
    "LimitedSupport",
    "MetricsSink",
    "MissingSettingError",
    "Notes",
    "NotFoundError",
    "PermanentError",
    "Resource",
    "Resources",
    "ServiceLog",
    "SilenceIncident",
    "TransientError",
    "hookimpl",
    "register_action_type",
]
