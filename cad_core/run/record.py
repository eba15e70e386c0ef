"""The run record (DESIGN §6): one JSON object describing everything a run did."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs

from cad_core.plan.engine.report import ActionOutcome, Status
from cad_core.run.context import Alert

RETRY_EXIT_CODE = 75  # EX_TEMPFAIL (sysexits.h): a temporary failure, try again later


class InvestigationStatus(StrEnum):
    """The run record's ``investigations[].status``."""

    NOT_RUN = "not_run"
    SUCCEEDED = "succeeded"
    NO_FINDINGS = "no_findings"
    STOPPED = "stopped"
    FAILED = "failed"
    FILTERED = "filtered"


@attrs.define
class InvestigationRecord:
    name: str
    status: InvestigationStatus = InvestigationStatus.NOT_RUN
    attempts: int = 0
    notes: list[str] = attrs.field(factory=list)
    error: str | None = None
    stop_reason: str | None = None
    filter: str | None = None

    def to_record(self) -> dict[str, Any]:
        return attrs.asdict(self)


@attrs.define
class RunRecord:
    mode: str
    dry_run: bool = False
    alert: Alert | None = None
    chain: str | None = None
    investigations: list[InvestigationRecord] = attrs.field(factory=list)
    actions: list[ActionOutcome] = attrs.field(factory=list)
    errors: list[str] = attrs.field(factory=list)
    route: list[str] = attrs.field(factory=list)
    cluster_id: str = ""
    on_failure: str = "continue"
    inform: bool = False
    # The alert could not be read for a transient reason and nothing was written: the
    # pipeline should run this again (exit code RETRY_EXIT_CODE).
    retry_later: bool = False

    @property
    def exit_code(self) -> int:
        if self.retry_later:
            return RETRY_EXIT_CODE
        return 1 if self.failed else 0

    @property
    def failed(self) -> bool:
        return (
            bool(self.errors)
            or any(a.status in (Status.FAILED, Status.NOT_RUN) for a in self.actions)
            or any(i.status == InvestigationStatus.FAILED for i in self.investigations)
        )

    @property
    def outcome(self) -> str:
        return "failed" if self.failed else "succeeded"

    def to_record(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "dry_run": self.dry_run,
            "alert": self.alert.to_record() if self.alert else None,
            "chain": self.chain,
            "cluster_id": self.cluster_id or None,
            "on_failure": self.on_failure,
            "inform": self.inform,
            "route": self.route,
            "investigations": [i.to_record() for i in self.investigations],
            "actions": [a.to_record() for a in self.actions],
            "errors": self.errors,
            "outcome": self.outcome,
            **({"retry_later": True} if self.retry_later else {}),
        }
