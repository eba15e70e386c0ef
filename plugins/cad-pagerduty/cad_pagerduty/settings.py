"""Environment settings of the PagerDuty plugin: declared here, read when they are needed.

Reading late (not at import) keeps ``cad --help`` working without any setting, and lets
a run that never touches PagerDuty (a manual run) go without a token.
"""

from __future__ import annotations

from cad_core.errors import MissingSettingError
from cad_core.plugins.checks import url_check
from cad_core.plugins.registrations import Setting
from cad_core.settings import setting

URL = "CAD_PD_URL"
TOKEN = "CAD_PD_TOKEN"
FROM = "CAD_PD_FROM"
SILENT_POLICY = "CAD_SILENT_POLICY"
SIGNATURE = "PD_SIGNATURE"
ORG_POLICY_MAPPING = "CAD_ORG_POLICY_MAPPING"

DEFAULT_URL = "https://api.pagerduty.com"

DECLARED = {
    declared.name: declared
    for declared in (
        Setting(
            URL,
            "PagerDuty REST API base URL",
            check=url_check("https"),
            default=DEFAULT_URL,
        ),
        Setting(TOKEN, "a PagerDuty REST API key", secret=True),
        Setting(FROM, "e-mail sent as From on incident writes"),
        Setting(SILENT_POLICY, "the escalation policy that silences"),
        Setting(
            SIGNATURE,
            "the webhook signing secret(s), comma-separated",
            secret=True,
            multiple=True,
            required_for=("interceptor",),
        ),
        # Checked by orgrouting.check at start-up, whose errors name the mapping's fault.
        Setting(ORG_POLICY_MAPPING, "organisation id to escalation policy (JSON)"),
    )
}


def _value(name: str) -> str:
    return setting(DECLARED[name], check=False)  # cad run checked them at start-up


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
