"""Environment settings of the PagerDuty plugin, read when they are needed.

Reading late (not at import) keeps ``cad --help`` working without any setting, and lets
a run that never touches PagerDuty (a manual run) go without a token.
"""

from __future__ import annotations

import os

from cad_core.errors import MissingSettingError

URL = "CAD_PD_URL"
TOKEN = "CAD_PD_TOKEN"
FROM = "CAD_PD_FROM"
SILENT_POLICY = "CAD_SILENT_POLICY"

DEFAULT_URL = "https://api.pagerduty.com"


def _value(name: str) -> str:
    return os.environ.get(name, "").strip()


def base_url() -> str:
    return _value(URL) or DEFAULT_URL


def token() -> str:
    value = _value(TOKEN)
    if not value:
        raise MissingSettingError([TOKEN], "a PagerDuty REST API key")
    return value


def sender() -> str | None:
    """The ``From`` e-mail, or None when unset (reads need none)."""
    return _value(FROM) or None


def require_sender() -> str:
    """PagerDuty's API reference marks ``From`` as required on every incident write."""
    value = sender()
    if value is None:
        raise MissingSettingError(
            [FROM], "the e-mail of a PagerDuty user, sent as From on incident updates"
        )
    return value


def silent_policy() -> str:
    value = _value(SILENT_POLICY)
    if not value:
        raise MissingSettingError([SILENT_POLICY], "the escalation policy that silences")
    return value


def silent_policy_or_none() -> str | None:
    return _value(SILENT_POLICY) or None
