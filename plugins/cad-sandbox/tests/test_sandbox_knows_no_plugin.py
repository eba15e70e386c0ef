"""cad-sandbox holds the harness, the world, faults and latency: no file of its package (nor
its pyproject.toml) may name another plugin's setting, investigation or service (issue 24).

The simulators of PagerDuty, OCM/SSO/backplane/kube, AWS and the Lease host live in the
plugins that own those services (cad-pagerduty, cad-ocm, cad-lease), declared through
``cad_sandbox_simulators``; the sandbox's default routing is made from what is installed.
Their tests live there too: cad-sandbox's own tests (this folder) import no other plugin
nor the client of another plugin's service, and reach no simulator through another
plugin's settings (its URL and credentials) unless listed below with the reason. They
may run whole scenarios: the installed plugins' simulators are the only world there is.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path

from cad_core.plugins.registry import get_registry

PACKAGE = Path(str(resources.files("cad_sandbox")))
TESTS = Path(__file__).parent
# Clients of other plugins' services: a test driving one tests that plugin's simulator.
SERVICE_CLIENTS = {"boto3", "botocore", "pagerduty", "kubernetes"}
# The test files that name another plugin's settings, and why that is not a simulator test.
READS_SETTINGS = {
    "conftest.py": "ocm_session (a token for the request-times tests), chgm's wait shortened",
    "test_sandbox_apply.py": "`cad apply` without an executor's settings exits 2 naming them",
    "test_sandbox_faults.py": "faults and latency of the harness, seen through OCM's host",
    "test_sandbox_request_times.py": "the request log's times, seen through OCM's host",
    "test_sandbox_plugin_simulators.py": "a simulator may not take a setting already taken",
    "test_sandbox_race.py": "whole runs of a chgm scenario racing, its CloudTrail wait shortened",
    "test_sandbox_knows_no_plugin.py": "the names this check looks for",
}
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


def other_plugins_modules() -> set[str]:
    """The top-level packages of the installed plugins but cad-sandbox, and service clients."""
    packages = {entry.value.split(".")[0] for entry in entry_points(group="cad")}
    return (packages - {"cad_sandbox", "cad_core"}) | SERVICE_CLIENTS


def imported(tree: ast.AST) -> set[str]:
    """Top-level modules a test imports, also through ``pytest.importorskip("name")``."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "importorskip":
            names |= {arg.value.split(".")[0] for arg in node.args if isinstance(arg, ast.Constant)}
    return names


def test_no_test_of_cad_sandbox_imports_another_plugin_or_its_service_client() -> None:
    others = other_plugins_modules()
    found = {
        path.name: sorted(imported(ast.parse(path.read_text(encoding="utf-8"))) & others)
        for path in sorted(TESTS.rglob("*.py"))
    }
    assert {name: modules for name, modules in found.items() if modules} == {}, (
        "a test of another plugin (or of its simulator) belongs in that plugin's tests/"
    )


def test_only_the_listed_tests_of_cad_sandbox_name_another_plugin_s_settings() -> None:
    _words, settings = other_plugins_names()
    naming = {
        path.name
        for path in sorted(TESTS.rglob("*.py"))
        if settings.search(path.read_text(encoding="utf-8"))
    }
    assert naming - set(READS_SETTINGS) == set(), (
        "these reach another plugin's simulator through its settings: move them to that "
        "plugin's tests/ (or list them in READS_SETTINGS with the reason)"
    )
    assert set(READS_SETTINGS) - naming == set(), "listed, but names no setting any more"
