"""cad-sandbox holds the harness, the world, faults and latency: no file of its package (nor
its pyproject.toml) may name another plugin's setting, investigation or service (issue 24).

The simulators of PagerDuty, OCM/SSO/backplane/kube, AWS and the Lease host live in the
plugins that own those services (cad-pagerduty, cad-ocm, cad-lease), declared through
``cad_sandbox_simulators``; the sandbox's default routing is made from what is installed.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path

from cad_core.plugins.registry import get_registry

PACKAGE = Path(str(resources.files("cad_sandbox")))
SANDBOX_PLUGINS = {"sandbox", "cad-sandbox"}
# The services other plugins own (cad-pagerduty, cad-ocm, cad-lease).
SERVICES = ("pagerduty", "ocm", "sso", "backplane", "kube", "aws", "ec2", "cloudtrail", "lease")
# Settings the harness used to set by name; most are not yet declared through cad_settings.
SETTINGS = (
    "CAD_PD_URL",
    "CAD_PD_TOKEN",
    "CAD_PD_FROM",
    "CAD_SILENT_POLICY",
    "CAD_ORG_POLICY_MAPPING",
    "CAD_OCM_URL",
    "CAD_OCM_TOKEN_URL",
    "CAD_OCM_CLIENT_ID",
    "CAD_OCM_CLIENT_SECRET",
    "BACKPLANE_URL",
    "CAD_NETWORK_VERIFIER",
    "CAD_LEASE_API_URL",
    "CAD_LEASE_TOKEN",
    "CAD_LEASE_NAMESPACE",
    "CAD_LEASE_CA_FILE",
    "AWS_ENDPOINT_URL",
)


@cache
def other_plugins_names() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(words, case-insensitive: investigations and services; settings, exact)."""
    registry = get_registry()
    investigations = {
        inv.name
        for inv in registry.investigations()
        if registry.owner_of(inv).name not in SANDBOX_PLUGINS
    }
    declared = {
        name
        for name, regs in registry.keyed("cad_settings").items()
        if all(reg.plugin.distribution not in ("cad-core", "cad-sandbox") for reg in regs)
    }
    words = sorted(investigations | set(SERVICES), key=len, reverse=True)
    settings = sorted(declared | set(SETTINGS), key=len, reverse=True)
    return (
        re.compile(
            r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, words)) + r")(?![A-Za-z0-9])", re.I
        ),
        re.compile(r"\b(" + "|".join(map(re.escape, settings)) + r")\b"),
    )


def naming_files() -> dict[str, set[str]]:
    words, settings = other_plugins_names()
    found: dict[str, set[str]] = {}
    project = PACKAGE.parent / "pyproject.toml"  # in a source checkout
    files = [*sorted(PACKAGE.rglob("*")), *([project] if project.is_file() else [])]
    for path in files:
        if path.suffix not in (".py", ".yaml", ".yml", ".toml", ".json", ".txt", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        names = {m.lower() for m in words.findall(text)} | set(settings.findall(text))
        if names:
            found[path.relative_to(PACKAGE.parent).as_posix()] = names
    return found


def test_no_file_of_cad_sandbox_names_another_plugin() -> None:
    found = {name: sorted(names) for name, names in naming_files().items()}
    assert found == {}, "cad-sandbox must not name other plugins' settings or services"
