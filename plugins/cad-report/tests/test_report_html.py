"""The HTML run report, opened in a real headless browser (Debian's ``chromium``).

Each test runs the real ``cad`` process, then has Chromium load the page from disk and
dump the DOM it built; the checks read that DOM as a person reads the page: the text
of each section, and which elements exist (a hostile record must not create any).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
from cad_core import (
    Action,
    ActionExecutor,
    Investigation,
    InvestigationResult,
    register_action_type,
)
from cad_core.cli.commands import main
from cad_core.plan.planword import new_binding, sign_plan
from cad_core.testing import inline_plugin

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CAD = [sys.executable, "-c", "from cad_core.cli.commands import main; main()"]
DEMO = "chgm-customer-stopped-instances"


@pytest.fixture(autouse=True)
def needs_chromium() -> None:
    """Skipped on a machine without a browser; in CI (which installs one) that is a failure."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it")
        pytest.skip("needs Debian's chromium package (.ci/run installs it)")


class Page(HTMLParser):
    """What a person sees: the text of each section, and every element that was built."""

    def __init__(self, dom: str) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = defaultdict(list)
        self.tags: Counter[str] = Counter()
        self.row_classes: Counter[str] = Counter()
        self.ids: set[str] = set()
        self._section = "top"
        self._hidden = 0
        self.feed(dom)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        named = dict(attrs)
        if named.get("id"):
            self.ids.add(str(named["id"]))
        if tag == "section":
            self._section = str(named.get("id"))
        if tag == "tr" and self._section == "waterfall":
            self.row_classes[str(named.get("class"))] += 1
        self._hidden += tag in ("style", "title", "script")

    def handle_endtag(self, tag: str) -> None:
        self._hidden -= tag in ("style", "title", "script")
        if tag == "section":
            self._section = "top"

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.sections[self._section].append(data)

    def text(self, section: str | None = None) -> str:
        parts = (
            self.sections[section] if section else [t for s in self.sections.values() for t in s]
        )
        return " ".join(" ".join(parts).split())


def open_in_browser(path: Path) -> Page:
    done = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", path.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    return Page(done.stdout)


def cad(*args: str, env: dict[str, str] | None = None, code: int = 0) -> str:
    done = subprocess.run(
        [*CAD, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == code, done.stderr
    return done.stdout


def test_the_demo_report_shows_what_was_found_done_and_posted(tmp_path: Path) -> None:
    page_file = tmp_path / "run.html"
    page_file.write_text(cad("sandbox", "run", DEMO, "--output", "html"))
    page = open_in_browser(page_file)

    assert "CAD run report: cluster-a has gone missing" in page.text("top")
    assert "incident run: succeeded" in page.text("top")
    alert = page.text("alert")
    assert (
        "incident Q1CADTEST00001" in alert and "cluster 2abc7d0e1f2g3h4i5j6k7l8m9n0o1p2q" in alert
    )
    investigations = page.text("investigations")
    assert "precheck no findings" in investigations and "chgm succeeded" in investigations
    assert "jdoe called StopInstances" in investigations
    plan = page.text("plan")
    for line in (
        "limited support: Cluster instances were stopped or terminated outside OpenShift",
        "done ocm-limited-support 1",
        "silence incident chgm done pagerduty-silence 1",
    ):
        assert line in plan
    customer = page.text("customer")  # the limited-support text in full, not cut short
    assert "please delete it from the Red Hat Hybrid Cloud Console instead of stopping" in customer
    assert "moving this incident to the silent escalation policy" in page.text("notes")
    assert "silenced (moved to the silent escalation policy)" in page.text("world")
    assert "19 requests, 4 of them writes" in page.text("world")
    assert "pagerduty PUT /incidents → 200" in page.text("world")


def test_a_saved_record_draws_every_request_and_marks_the_critical_path(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text(cad("sandbox", "run", DEMO, "--output", "json", "--critical-path"))
    body = json.loads(record.read_text())
    page_file = tmp_path / "report.html"
    page_file.write_text(cad("report", str(record)))
    page = open_in_browser(page_file)

    requests = body["sandbox"]["requests"]
    path = body["sandbox"]["critical_path"]
    rows = page.row_classes
    assert sum(rows.values()) == len(requests) + 1  # and the header row
    assert rows["critical"] == path["round_trips"]
    assert f"Critical path: {path['round_trips']} request(s) one after another" in page.text(
        "waterfall"
    )
    assert page.text("waterfall").count("critical path") >= path["round_trips"]
    assert "silenced" in page.text("world")  # a saved record's fate is told from its plan


HOSTILE = "</pre><script>alert(1)</script><img src=x onerror=alert(2)>"


def hostile_record(secret: str) -> dict[str, Any]:
    return {
        "mode": "incident",
        "alert": {"title": HOSTILE, "id": "Q1", "source": "pagerduty", "cluster_id": HOSTILE},
        "route": [HOSTILE],
        "investigations": [{"name": HOSTILE, "status": HOSTILE, "notes": [HOSTILE, secret]}],
        "actions": [
            {
                "type": "service_log",
                "status": "succeeded",
                "executor": HOSTILE,
                "attempts": "<b>many</b>",
                "reason": HOSTILE,
                "payload": {"summary": HOSTILE, "description": f"token {secret}"},
            },
            {"type": "incident_note", "status": HOSTILE, "payload": {"content": HOSTILE}},
        ],
        "errors": [HOSTILE],
        "sandbox": {
            "world": {"pagerduty": {"incidents": {HOSTILE: {"notes": [HOSTILE]}}}},
            "requests": [
                {
                    "service": HOSTILE,
                    "method": "GET",
                    "path": HOSTILE,
                    "status": HOSTILE,
                    "start_ms": 0,
                    "end_ms": 5,
                },
                {"service": "x", "path": "/", "start_ms": "<b>", "end_ms": float("nan")},
            ],
        },
    }


def test_a_hostile_record_builds_no_element_and_leaks_no_secret(tmp_path: Path) -> None:
    secret = "s3cr3t-pd-token-value"
    record = tmp_path / "record.json"
    record.write_text(json.dumps(hostile_record(secret)))
    page_file = tmp_path / "report.html"
    html = cad("report", str(record), env={"CAD_PD_TOKEN": secret})
    assert secret not in html
    page_file.write_text(html)
    page = open_in_browser(page_file)

    assert page.tags["script"] == page.tags["img"] == page.tags["b"] == 0
    assert HOSTILE in page.text("top") and HOSTILE in page.text("waterfall")
    assert "1 request(s) without usable timings not drawn" in page.text("waterfall")
    assert "token ***" in page.text("customer")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "is not a CAD run record"),
        ("{not json", "is not JSON"),
    ],
)
def test_a_file_that_is_no_record_is_one_line_and_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    record = tmp_path / "record.json"
    record.write_text(content)
    done = subprocess.run([*CAD, "report", str(record)], capture_output=True, text=True)
    assert done.returncode == 2 and message in done.stderr
    assert len(done.stderr.splitlines()) == 1


@register_action_type
@attrs.frozen
class HtmlReportProbe(Action):
    type_id: ClassVar[str] = "html_report_probe"
    text: str = ""


def _probe(ctx: Any) -> InvestigationResult:
    ctx.notes.line("a <u>note</u>")
    return InvestigationResult([HtmlReportProbe(text="<i>x</i>")])


def _investigations() -> Iterator[Investigation]:
    yield Investigation(name="probe-investigation", run=_probe)


def _executors() -> Iterator[ActionExecutor]:
    yield ActionExecutor(
        name="html-probe",
        action_types=("html_report_probe",),
        execute=lambda action, ctx: None,
        describe=lambda action, ctx: "would post <b>this</b>",
    )


@pytest.fixture
def probe_config(cad_registry: Any, tmp_path: Path) -> str:
    from cad_report import plugin as report  # renders --output html

    cad_registry(
        inline_plugin(
            "html-probe", cad_investigations=_investigations, cad_action_executors=_executors
        ),
        report,
    )
    path = tmp_path / "routing.yaml"
    path.write_text("alerts: []\n")
    return str(path)


def html_of(capsys: pytest.CaptureFixture[str], tmp_path: Path, *args: str) -> Page:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    assert done.value.code == 0
    page_file = tmp_path / "page.html"
    page_file.write_text(capsys.readouterr().out)
    return open_in_browser(page_file)


def test_cad_run_and_cad_apply_write_the_same_report(
    probe_config: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = html_of(
        capsys, tmp_path, "run", "-c", "c1", "-i", "probe-investigation", "--dry-run",
        "--config", probe_config, "--output", "html",
    )  # fmt: skip
    assert "manual run (dry run): succeeded" in ran.text("top")
    assert "probe-investigation succeeded" in ran.text("investigations")
    assert "a <u>note</u>" in ran.text("investigations")
    plan = ran.text("plan")
    assert "html report probe probe-investigation would do (dry run)" in plan
    assert "would run: would post <b>this</b> html-probe" in plan
    assert ran.tags["b"] == ran.tags["u"] == 0

    key = "k" * 32
    monkeypatch.setenv("CAD_PLAN_KEY", key)
    binding = new_binding("c1", "", "", ["probe-investigation"])
    plan = sign_plan([HtmlReportProbe(text="applied")], binding, key)
    applied = html_of(capsys, tmp_path, "apply", plan, "-c", "c1", "--dry-run", "--output", "html")
    assert "html report probe probe-investigation would do (dry run)" in applied.text("plan")
