"""The ``owner_ban_findings``, ``pull_secret_findings`` and ``owner_checks`` resources:
upstream's owner checks (is the owner banned? does the pull secret match the owner's
account?) with the note lines and escalation reasons investigations write.

ocmagentresponsefailure and upgradeconfigsync ask both questions the same way; the wording
lives here once, as the egress wording does in ``egress_findings``. Values are plain data:

    owner_ban_findings:   {"state": "not_banned" | "banned" | "export_control" | "unknown",
                           "level": "success" | "warning", "note": str,
                           "escalate": the reason to escalate ("" when not banned)}
    pull_secret_findings: {"state": "checked" | "unreachable" | "unreadable",
                           "notes": [{"level", "text"}],
                           "escalate": the reason to escalate ("" when the asker words it)}
    owner_checks:         both in upstream's order (the pull secret only for an owner who is
                          not banned): {"state": the ban's state, or the pull secret's after
                          "not_banned", "notes": [{"level", "text"}], "escalate": str}

An owner whose ban cannot be read is *unknown*, never "not banned". A transient failure to
read the pull secret propagates, so the runner retries the investigation.
"""

from __future__ import annotations

from typing import Any

from cad_core.errors import NotFoundError, PermanentError, ResourceError, one_line

EXPORT_CONTROL = "export_control_compliance"
OWNER_NOT_BANNED = "The cluster's owner is not banned"
ESCALATE_BAN_UNKNOWN = "CAD could not tell whether the owner is banned; a person needs to check"
ESCALATE_EXPORT_CONTROL = "the owner is banned for export control compliance (see the SOP)"
ESCALATE_BANNED = "the owner is banned; the customer was asked to arrange a new owner"
ESCALATE_UNREACHABLE = "CAD could not reach the cluster's API; a person needs to check it"

# A missing or unreadable pull secret is a finding; anything else (transient) is retried.
FINDINGS = (NotFoundError, PermanentError)


def ban_unknown(error: str) -> str:
    return f"CAD could not find out whether the cluster's owner is banned ({error})."


def export_control_ban(description: str) -> str:
    return (
        "The cluster's owner is banned for export control compliance "
        f"({description or 'no description'}). A dedicated process handles this, not the "
        "customer or CAD."
    )


def other_ban(code: str, description: str) -> str:
    return (
        f"The cluster's owner is banned (code {code or 'none'}: "
        f"{description or 'no description'}). CAD asked the customer to make another user "
        "the cluster's owner."
    )


def unreachable(error: str) -> str:
    return f"CAD could not reach the cluster's API, so the pull secret was not checked ({error})."


def pull_secret_unreadable(error: str) -> str:
    return f"CAD could not read the cluster's pull secret ({error})."


def ban_findings(ban: Any) -> dict[str, Any]:
    """The findings for ``ban`` (the ``owner_ban`` value)."""
    code, description = str(ban.get("code") or ""), str(ban.get("description") or "")
    if not ban.get("banned"):
        return _ban("not_banned", "success", OWNER_NOT_BANNED, "")
    if code == EXPORT_CONTROL:
        note = export_control_ban(description)
        return _ban("export_control", "warning", note, ESCALATE_EXPORT_CONTROL)
    return _ban("banned", "warning", other_ban(code, description), ESCALATE_BANNED)


def _ban(state: str, level: str, note: str, escalate: str) -> dict[str, Any]:
    return {"state": state, "level": level, "note": note, "escalate": escalate}


def build_owner_ban_findings(resources: Any) -> dict[str, Any]:
    """Read (or reuse) ``owner_ban`` and word it; any failure to read it is *unknown*."""
    try:
        ban = resources.get("owner_ban")
    except ResourceError as error:
        return _ban("unknown", "warning", ban_unknown(one_line(error.cause)), ESCALATE_BAN_UNKNOWN)
    return ban_findings(ban)


def build_pull_secret_findings(resources: Any) -> dict[str, Any]:
    """Read the pull secret with the asker's remediation and compare it with the owner's
    account; an unreachable API or an unreadable secret is a finding, not an error."""
    try:
        resources.get("pull_secret")  # read first: its failures decide the row
    except ResourceError as error:
        if error.name == "kube":
            line = unreachable(one_line(error.cause))
            return _secret("unreachable", [_line("warning", line)], ESCALATE_UNREACHABLE)
        if not isinstance(error.cause, FINDINGS):
            raise
        return _secret(
            "unreadable", [_line("warning", pull_secret_unreadable(one_line(error.cause)))]
        )
    check = resources.get("pull_secret_check")
    lines = [_line("warning", str(text)) for text in check["warnings"]]
    if check["matches"]:
        lines.append(_line("success", str(check["matches"])))
    return _secret("checked", lines)


def _line(level: str, text: str) -> dict[str, str]:
    return {"level": level, "text": text}


def _secret(state: str, notes: list[dict[str, str]], escalate: str = "") -> dict[str, Any]:
    return {"state": state, "notes": notes, "escalate": escalate}


def build_owner_checks(resources: Any) -> dict[str, Any]:
    """The ban, then (for an owner who is not banned) the pull secret, as upstream asks."""
    ban = resources.get("owner_ban_findings")
    notes = [_line(ban["level"], ban["note"])]
    if ban["state"] != "not_banned":
        return {"state": ban["state"], "notes": notes, "escalate": ban["escalate"]}
    secret = resources.get("pull_secret_findings")
    return {**secret, "notes": notes + secret["notes"]}
