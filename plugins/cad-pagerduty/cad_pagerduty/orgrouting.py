"""Organisation routing: an incident moves to its cluster's organisation's escalation policy.

An alert plan (``cad_alert_plans``): the core makes it for every alert, matched by a chain
or not, and carries it out through the executor engine. The policy comes from
``CAD_ORG_POLICY_MAPPING``, in upstream's format::

    {"organizations": [{"name": "Example Corp", "org_ids": ["1a2b..."],
                        "escalation_policy": "PABC123"}]}

Unset or empty (``{}`` included): no routing. A mapping that cannot be read is bad input
(exit 2), found at start-up. The organisation is the ``organization_id`` resource (cad-ocm
provides it), read by name: this plugin imports no other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from cad_core.errors import BadInputError, one_line
from cad_core.plan.actions import IncidentNote, ReassignIncident
from cad_core.plugins.registrations import AlertPlanResult
from cad_core.run.context import Resources
from cad_core.settings import setting
from cad_pagerduty.settings import DECLARED, ORG_POLICY_MAPPING

log = logging.getLogger("cad.orgrouting")


def load_mapping(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Organisation id -> escalation policy id; ``{}`` when the setting is unset or empty."""
    raw = setting(DECLARED[ORG_POLICY_MAPPING], environ)
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


def check() -> None:
    """The alert plan's start-up check: a bad mapping stops CAD before any request."""
    load_mapping()


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


def plan(resources: Resources) -> AlertPlanResult | None:
    """Move the incident to its organisation's policy, if the mapping names one.

    An organisation that cannot be read is logged and skipped; a move that fails is
    followed by a note saying what to do by hand.
    """
    mapping = load_mapping()
    if not mapping or not resources.cluster_id:
        return None
    try:
        org_id = str(resources.get("organization_id") or "")
    except Exception as error:  # routing is a courtesy: it must not stop the investigation
        log.warning("organisation routing skipped: %s", one_line(error))
        return AlertPlanResult(route=f"organisation routing skipped: {one_line(error)}")
    policy = mapping.get(org_id)
    if policy is None:
        log.info("organisation %r has no escalation policy of its own", org_id)
        return None
    return AlertPlanResult(
        [ReassignIncident(escalation_policy=policy, reason=moved_reason(org_id))],
        route=f"organisation {org_id} -> escalation policy {policy}",
        if_failed=lambda error: [IncidentNote(content=failed_note(org_id, policy, error))],
    )
