"""Finding the cluster id in an incident's alerts (upstream ``RetrieveClusterID``).

Alertmanager puts the id in ``body.details``; three formats have been used over time,
tried in this order for each alert: ``cluster_id``, YAML ``cluster_id:`` inside ``notes``,
and a ``cluster_id = <value>`` label line inside ``firing``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from cad_pagerduty.errors import ClusterIdNotFoundError

# Start of text or whitespace before the key, so "hosted_cluster_id = x" does not match;
# \s also matches a newline, so the label may be on any line of the text.
FIRING_PATTERN = re.compile(r"(?:^|\s)cluster_id = (\S+)")


def from_details(details: Mapping[str, Any]) -> str:
    """The id in one alert's details, or "" when none of the formats holds one."""
    for extract in (_plain, _from_notes, _from_firing):
        value = extract(details)
        if value:
            return value
    return ""


def _plain(details: Mapping[str, Any]) -> str:
    value = details.get("cluster_id")
    return value.strip() if isinstance(value, str) else ""


def _from_notes(details: Mapping[str, Any]) -> str:
    notes = details.get("notes")
    if not isinstance(notes, str):
        return ""
    # The old format is rare: only an alert that has it pays for the YAML library.
    import yaml

    from cad_core.config.strict_yaml import StrictLoader

    try:
        # No aliases (like every YAML CAD reads), and odd values are just "not this format".
        parsed = yaml.load(notes, Loader=StrictLoader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, RecursionError, ValueError, TypeError, ArithmeticError):
        return ""  # free text, not the old YAML format: try the next format
    value = parsed.get("cluster_id") if isinstance(parsed, dict) else None
    # YAML reads "cluster_id: 654321" as a number; the id is its text.
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value).strip()
    return ""


def _from_firing(details: Mapping[str, Any]) -> str:
    firing = details.get("firing")
    match = FIRING_PATTERN.search(firing) if isinstance(firing, str) else None
    return match.group(1) if match else ""


def from_alerts(alerts: Iterable[Mapping[str, Any]], incident_id: str) -> str:
    """The first non-empty id, in alert order.

    An alert without a details object stops the search with an error naming it, as
    upstream does: PagerDuty drops the details of oversized alerts, and a person should
    learn that this is why CAD could not help, rather than read a vaguer message.
    """
    for alert in alerts:
        body = alert.get("body")
        details = body.get("details") if isinstance(body, dict) else None
        if not isinstance(details, dict):
            raise ClusterIdNotFoundError(
                f"alert {alert.get('id', '?')} of PagerDuty incident {incident_id} has no "
                "details, so CAD cannot tell which cluster it is about"
            )
        found = from_details(details)
        if found:
            return found
    raise ClusterIdNotFoundError(
        f"no cluster id found in the alerts of PagerDuty incident {incident_id}: CAD looks for "
        "details.cluster_id, 'cluster_id:' in details.notes and 'cluster_id = ' in "
        "details.firing"
    )
