"""The executor engine: policies, validation, resolution, scheduling, retries.

``execute_plan`` is the only entry point; see ``docs/architecture.md`` for the rules.
"""

from cad_core.plan.engine.execute import EngineSettings, execute_plan
from cad_core.plan.engine.report import ActionOutcome, Status

__all__ = ["ActionOutcome", "EngineSettings", "Status", "execute_plan"]
