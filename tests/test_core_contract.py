"""The extension contract, end to end: plugins that misbehave cannot hurt a run.

Each misbehaving plugin of tests/data/contract is a real distribution with an entry point,
installed (all together, once for this module) into one fresh venv; every case runs the
real `cad` command. The cases are those of docs/writing-plugins.md#when-a-plugin-breaks.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

# A campaign (a third party's plugins, installed into a fresh venv): pip's work costs seconds of CPU
# per install, so the everyday loop leaves it out; CI and --campaigns run it.
pytestmark = pytest.mark.campaign

HERE = Path(__file__).resolve().parent
PLUGINS = HERE / "data" / "contract"
CAD = "from cad_core.cli.commands import main; main()"
# Plugins that would disturb the cases not about them: each case enables what it tests.
NOISY = ("careless", "broken", "simtwin", "chatmirror")
CLUSTER = "2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q"


def _make_venv() -> Any:
    path = HERE / "test_core_plugin_template.py"  # the tests folder is no package
    spec = importlib.util.spec_from_file_location("_template_venv_contract", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_venv


def _project(root: Path, module: Path) -> Path:
    name = module.stem.replace("_", "-")
    folder = root / name
    folder.mkdir()
    (folder / module.name).write_text(module.read_text())
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
            [build-system]
            requires = ["setuptools>=68"]
            build-backend = "setuptools.build_meta"
            [project]
            name = "{name}"
            version = "0.1.0"
            [project.entry-points.cad]
            {name.removeprefix("cad-")} = "{module.stem}"
            [tool.setuptools]
            py-modules = ["{module.stem}"]
            """)
    )
    return folder


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One venv with every misbehaving plugin installed as its own distribution."""
    root = tmp_path_factory.mktemp("contract")
    projects = [_project(root, module) for module in sorted(PLUGINS.glob("cad_*.py"))]
    env_dir: Path = _make_venv()(root, *projects)
    return env_dir


def cad(venv: Path, *args: str, enable: tuple[str, ...] = (), **extra: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAD_", "STATUSPAGE"))}
    env["CAD_DISABLE_PLUGINS"] = ",".join(n for n in NOISY if n not in enable)
    env["XDG_CACHE_HOME"] = str(venv / "cache")
    return subprocess.run(
        [venv / "bin" / "python", "-c", CAD, *args],
        capture_output=True,
        text=True,
        env={**env, **extra},
        timeout=180,
        cwd=venv,
    )


def scenario(folder: Path, title: str, **extra: Any) -> Path:
    """A sandbox scenario whose incident is titled ``title``."""
    body = {
        "name": title.lower(),
        "pagerduty": {
            "incident": {
                "id": "Q1CONTRACT0001",
                "title": f"{title} on cluster-a",
                "service": {"id": "PSVC001", "summary": "prod-cluster-alerts"},
            },
            "alerts": [{"details": {"cluster_id": CLUSTER}}],
        },
        "ocm": {
            "clusters": [
                {"id": CLUSTER, "name": "cluster-a", "state": "ready", "cloud_provider": "aws"}
            ]
        },
        **extra,
    }
    path = folder / f"{title}.yaml"
    path.write_text(json.dumps(body))  # JSON is YAML
    return path


def record_of(result: Any) -> dict[str, Any]:
    assert result.stdout.startswith("{"), result.stdout + result.stderr
    record: dict[str, Any] = json.loads(result.stdout)
    return record


def notes_of(record: dict[str, Any]) -> list[str]:
    notes: list[str] = record["sandbox"]["world"]["pagerduty"]["incidents"]["Q1CONTRACT0001"][
        "notes"
    ]
    return notes


# 1 --------------------------------------------------------------------------------------


def test_a_plan_of_non_actions_fails_the_investigation_with_note_and_escalation(
    venv: Path, tmp_path: Path
) -> None:
    path = scenario(tmp_path, "BadPlanAlert")
    result = cad(venv, "sandbox", "run", str(path), "-o", "json")
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr
    record = record_of(result)
    [failed] = [i for i in record["investigations"] if i["name"] == "badplan"]
    assert failed["status"] == "failed"
    assert "returned an invalid plan: action #0 (str) is not a registered" in failed["error"]
    statuses = {a["type"]: a["status"] for a in record["actions"]}
    assert statuses["incident_note"] == statuses["escalate_incident"] == "succeeded"
    [note] = notes_of(record)
    assert "the disk is 97% full" in note and "invalid plan" in note


# 2 and 3 --------------------------------------------------------------------------------


def test_two_definitions_of_one_type_id_are_a_conflict_naming_both(venv: Path) -> None:
    result = cad(
        venv, "run", "-c", "c1", "-i", "statuspage", "--no-prechecks", enable=("careless",)
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    # Named in the order of their distributions, whichever was imported first.
    assert (
        "action type 'status_update' is defined by StatusUpdate (cad-careless 0.1.0) and "
        "StatusUpdate (cad-statuspage 0.1.0); uninstall or disable one of them" in line
    )
    assert "executors: {status_update: <executor name>}" in line
    listing = json.loads(cad(venv, "plugins", "--json", enable=("careless",)).stdout)
    statuses = {p["name"]: p["status"] for p in listing["plugins"]}
    assert statuses["statuspage"] == statuses["careless"] == "loaded"  # nobody is blamed


def test_the_routing_config_picks_one_definition(venv: Path, tmp_path: Path) -> None:
    config = tmp_path / "routing.yaml"
    config.write_text("alerts: []\nexecutors: {status_update: statuspage}\n")
    page = tmp_path / "page"
    result = cad(
        venv,
        *("run", "-c", "c1", "-i", "statuspage", "--no-prechecks", "--config", str(config)),
        enable=("careless",),
        STATUSPAGE_FILE=str(page),
    )
    assert result.returncode == 0, result.stderr
    assert page.read_text() == "production: degraded\n"


def test_a_disabled_plugin_is_never_imported(venv: Path, tmp_path: Path) -> None:
    loud = cad(venv, "plugins", "--json", enable=("broken",))
    [broken] = [p for p in json.loads(loud.stdout)["plugins"] if p["name"] == "broken"]
    assert broken["status"] == "failed" and "libfoo" in broken["error"]
    quiet = cad(venv, "plugins", "--json")  # broken and careless disabled
    plugins = json.loads(quiet.stdout)["plugins"]
    statuses = {p["name"]: (p["status"], p["error"] or "") for p in plugins}
    assert statuses["broken"] == statuses["careless"] == ("disabled", "")
    assert "libfoo" not in quiet.stderr
    page = tmp_path / "page"
    result = cad(
        venv,
        "run",
        "-c",
        "c1",
        "-i",
        "statuspage",
        "--no-prechecks",
        **{"STATUSPAGE_FILE": str(page)},
    )
    assert result.returncode == 0, result.stderr  # careless's duplicate type stays out


# 4 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("sandbox_too", [False, True])
def test_a_simulator_clash_never_stops_cad_run(
    venv: Path, tmp_path: Path, sandbox_too: bool
) -> None:
    enable = ("simtwin",)
    extra = {"STATUSPAGE_FILE": str(tmp_path / "page")}
    if sandbox_too:
        extra["CAD_DISABLE_PLUGINS"] = ",".join([*(n for n in NOISY if n not in enable), "sandbox"])
    result = cad(
        venv, "run", "-c", "c1", "-i", "statuspage", "--no-prechecks", enable=enable, **extra
    )
    assert result.returncode == 0, result.stderr


def test_cad_sandbox_reports_the_simulator_clash(venv: Path, tmp_path: Path) -> None:
    path = scenario(tmp_path, "StatusPageAlert")
    result = cad(venv, "sandbox", "run", str(path), enable=("simtwin",))
    assert result.returncode == 2
    assert "sandbox simulator 'statuspage' is declared by" in result.stderr


# 5 --------------------------------------------------------------------------------------


def test_a_broken_idempotency_check_fails_the_dry_run_as_the_live_run(venv: Path) -> None:
    args = ("run", "-c", "c1", "-i", "brokencheck", "--no-prechecks")
    live = cad(venv, *args, "-o", "json", "--log-level", "error")
    dry = cad(venv, *args, "--dry-run", "-o", "json", "--log-level", "error")
    text = cad(venv, *args, "--dry-run", "--log-level", "error")
    assert live.returncode == dry.returncode == text.returncode == 1
    [poke] = [a for a in record_of(dry)["actions"] if a["type"] == "poke"]
    assert poke["status"] == "failed"
    assert poke["error"] == "would fail: its idempotency check raised: the check is broken"
    assert "the check is broken" in text.stdout
    [live_poke] = [a for a in record_of(live)["actions"] if a["type"] == "poke"]
    assert live_poke["status"] == "failed"


# 6 --------------------------------------------------------------------------------------


def test_config_check_refuses_what_cad_run_refuses(venv: Path, tmp_path: Path) -> None:
    conflict = cad(venv, "config", "check", enable=("careless",))
    assert conflict.returncode == 2
    assert "action type 'status_update' is defined by" in conflict.stderr
    typo = tmp_path / "typo.yaml"
    typo.write_text("alerts: []\nexecutors: {incident_notes: pagerduty-note}\n")
    result = cad(venv, "config", "check", str(typo))
    assert result.returncode == 2
    assert "unknown action type 'incident_notes'; did you mean 'incident_note'?" in result.stderr
    run = cad(venv, "run", "-c", "c1", "-i", "statuspage", "--config", str(typo))
    assert (run.returncode, run.stderr) == (2, result.stderr)


# 7 --------------------------------------------------------------------------------------


def test_inform_mode_holds_public_and_undeclared_writes(venv: Path, tmp_path: Path) -> None:
    page = tmp_path / "page"
    for investigation, held in (("statuspage", "status_update"), ("brokencheck", "poke")):
        args = ("run", "-c", "c1", "-i", investigation, "--no-prechecks", "--inform")
        result = cad(venv, *args, "-o", "json", STATUSPAGE_FILE=str(page))
        statuses = {a["type"]: a["status"] for a in record_of(result)["actions"]}
        assert statuses[held] == "held_for_approval", result.stderr
    assert not page.exists()
    # The preview of a held action asks nothing of it, as the live run does not.
    args = ("run", "-c", "c1", "-i", "brokencheck", "--no-prechecks", "--inform", "--dry-run")
    preview = cad(venv, *args, "-o", "json")
    [poke] = [a for a in record_of(preview)["actions"] if a["type"] == "poke"]
    assert (preview.returncode, poke["status"]) == (0, "dry_run")
    assert poke["reason"].startswith("would hold for approval")


# 9 --------------------------------------------------------------------------------------

PLUGIN_TESTS = """
from cad_core.testing import run_investigation
from cad_sandbox.commands import run_scenario



def test_resources_are_given(tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSPAGE_FILE", str(tmp_path / "page"))
    resources = {"statuspage": "staging"}
    [outcome] = run_investigation("statuspage", plugins=["statuspage"], resources=resources)
    assert outcome.status == "succeeded" and outcome.type == "status_update"
    assert (tmp_path / "page").read_text() == "staging: degraded\\n"


def test_run_scenario_loads_only_the_named_plugins(tmp_path, monkeypatch):
    monkeypatch.setenv("STATUSPAGE_FILE", str(tmp_path / "page"))
    named = ["pagerduty", "ocm", "statuspage"]
    result = run_scenario(SCENARIO, plugins=named)  # careless would conflict
    code, record, _ = result.runs[0]
    assert code == 0, record["errors"]
    assert [a["type"] for a in record["actions"]][:1] == ["status_update"]
"""


def test_testing_helpers_isolate_and_take_resources(venv: Path, tmp_path: Path) -> None:
    path = scenario(tmp_path, "StatusPageAlert")
    tests = tmp_path / "test_statuspage.py"
    tests.write_text(f"SCENARIO = {str(path)!r}\n" + PLUGIN_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAD_")}
    result = subprocess.run(
        [
            venv / "bin" / "python",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            str(tests),
        ],
        capture_output=True,
        text=True,
        env={**env, "XDG_CACHE_HOME": str(venv / "cache")},
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# 10 -------------------------------------------------------------------------------------


def test_a_wrapper_delegates_to_the_executor_it_replaces(venv: Path, tmp_path: Path) -> None:
    path = scenario(tmp_path, "BadPlanAlert")
    config = tmp_path / "routing.yaml"
    config.write_text(
        "alerts:\n- {alert_title: BadPlanAlert, investigations: [badplan]}\n"
        "executors: {incident_note: chat-mirror}\n"
    )
    chat = tmp_path / "chat"
    result = cad(
        venv,
        *("sandbox", "run", str(path), "--config", str(config), "-o", "json"),
        enable=("chatmirror",),
        CHAT_FILE=str(chat),
    )
    record = record_of(result)
    [note] = [a for a in record["actions"] if a["type"] == "incident_note"]
    assert (note["executor"], note["status"]) == ("chat-mirror", "succeeded")
    [posted] = notes_of(record)
    mirrored = chat.read_text().removesuffix("\n---\n")  # the run notes, as rendered
    assert posted.startswith(mirrored.rstrip())  # PagerDuty's adds the escalation's reason
    assert "the disk is 97% full" in posted
