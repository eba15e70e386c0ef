"""Organisation routing: an incident moves to its cluster's organisation's policy.

The policy comes from ``CAD_ORG_POLICY_MAPPING``, for every alert, matched by a chain or not.

The move is an ``incident_reassign`` action and its failure note an ``incident_note``, both
carried out by the executor engine, so dry-run, idempotency, retries, metrics and the run
record cover them like any other write. The mapping has upstream's format::

    {"organizations": [{"name": "Example Corp", "org_ids": ["1a2b..."],
                        "escalation_policy": "PABC123"}]}

Unset or empty (``{}`` included): no routing. A mapping that cannot be read is bad input
(exit 2), found before anything is written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from cad_core.errors import BadInputError, one_line
from cad_core.plan.actions import IncidentNote, ReassignIncident
from cad_core.plan.notes import Notes

if TYPE_CHECKING:
    from cad_core.run.runner import Run

ORG_POLICY_MAPPING = "CAD_ORG_POLICY_MAPPING"
log = logging.getLogger("cad.orgrouting")


def load_mapping(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Organisation id -> escalation policy id; ``{}`` when the setting is unset or empty."""
    from cad_core.settings import setting

    raw = setting(ORG_POLICY_MAPPING, environ)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise _bad(f"not JSON ({one_line(error)})") from None
    organizations = data.get("organizations") if isinstance(data, dict) else None
    if isinstance(data, dict) and organizations is None:
        organizations = []  # `{}` or a null list: an empty mapping, as upstream reads it
    if not isinstance(organizations, list):
        raise _bad('expected {"organizations": [{"org_ids": [...], "escalation_policy": ...}]}')
    mapping: dict[str, str] = {}
    for number, entry in enumerate(organizations, start=1):
        for org_id, policy in _pairs(entry, number):
            if mapping.setdefault(org_id, policy) != policy:
                raise _bad(f"organisation {org_id} is mapped to two escalation policies")
    return mapping


def _pairs(entry: Any, number: int) -> list[tuple[str, str]]:
    where = f"organizations[{number}]"
    if not isinstance(entry, dict):
        raise _bad(f"{where} is not an object")
    policy, org_ids = entry.get("escalation_policy"), entry.get("org_ids")
    if not isinstance(policy, str) or not policy.strip():
        raise _bad(f"{where} has no escalation_policy")
    if not isinstance(org_ids, list) or not all(isinstance(o, str) and o.strip() for o in org_ids):
        raise _bad(f"{where}.org_ids must be a list of organisation ids")
    return [(org_id.strip(), policy.strip()) for org_id in org_ids]


def _bad(detail: str) -> BadInputError:
    return BadInputError(f"{ORG_POLICY_MAPPING} cannot be used: {detail}")


def moved_reason(org_id: str) -> str:
    return (
        f"the cluster belongs to organisation {org_id}, whose incidents are handled through "
        "this escalation policy"
    )


def failed_note(org_id: str, policy: str, error: str) -> str:
    return (
        f"⚠️ This cluster belongs to organisation {org_id}, whose incidents should go to "
        f"escalation policy {policy}, but CAD could not move the incident there ({error}). "
        "Please route it to that team by hand; CAD carries on with its investigation."
    )


def route_to_org_policy(run: Run) -> None:
    """Move the incident to its organisation's policy, if the mapping names one.

    Never fails the flow: an organisation that cannot be read is logged and skipped, and
    a move that fails is followed by a note saying what to do by hand.
    """
    mapping = load_mapping()
    if not mapping or not run.resources.cluster_id or run.record.alert is None:
        return
    try:
        org_id = str(run.resources.get("organization_id") or "")
    except Exception as error:  # routing is a courtesy: it must not stop the investigation
        log.warning("organisation routing skipped: %s", one_line(error))
        run.record.route.append(f"organisation routing skipped: {one_line(error)}")
        return
    policy = mapping.get(org_id)
    if policy is None:
        log.info("organisation %r has no escalation policy of its own", org_id)
        return
    run.record.route.append(f"organisation {org_id} -> escalation policy {policy}")
    _move(run, org_id, policy)


def _move(run: Run, org_id: str, policy: str) -> None:
    from cad_core.plan.engine.gates import OnFailure
    from cad_core.plan.engine.report import Status

    # The alert entry's error policy and inform mode are not chosen yet and do not apply:
    # routing is not customer-facing, and its failure must not stop the investigation.
    engine = attrs.evolve(run.engine, on_failure=OnFailure.CONTINUE, inform=False)
    notes = Notes("cad")
    (moved,) = run.execute(
        [ReassignIncident(escalation_policy=policy, reason=moved_reason(org_id))],
        notes,
        "",
        engine=engine,
    )
    if moved.status.in_effect or moved.status == Status.DRY_RUN:
        return
    detail = moved.error or moved.reason or str(moved.status)
    run.execute(
        [IncidentNote(content=failed_note(org_id, policy, detail))], notes, "", engine=engine
    )
