"""Soak: sandbox runs of the bundled scenarios with random transient faults on every endpoint.

What it measures: ``--runs`` (default 200) runs of CAD's real pipeline, each against a fresh
sandbox world of one bundled scenario (cycled in a seeded random order), while every request
to every simulator (PagerDuty, SSO, OCM, backplane, kube, AWS, egress) fails with probability
``--fault-rate`` (default 0.2). A failing request gets, with equal chance, HTTP 503, HTTP 429
with a reset header (PagerDuty ``ratelimit-reset: 1``, others ``Retry-After: 1``), a timeout
(the simulator holds the answer, then applies the request: the client has given up, the
write lands anyway, as when a reply is lost) or a connection reset. Scripted ``faults:`` of
a scenario still apply first. Decisions are a hash of (seed, run, service, method, path,
occurrence), so a seed gives the same faults whatever the thread interleaving.

Faults are injected from here, by wrapping the world's ``take_fault`` (no product change).
To keep the run short: client timeouts are 1 s (``cad_pagerduty.client.TIMEOUT_SECONDS``,
``cad_ocm.http.TIMEOUT`` and botocore's defaults, patched in the worker processes), a timed
out request is applied 1.1 s after it arrived (``timeout_sleep_s``), CAD_RETRY_BASE_DELAY=0.6
(so a retry re-checks after the late write landed, as with production's 30 s / 1 s),
CAD_INVESTIGATION_RETRY_DELAY=0.1 and CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS=1. Runs go through a
pool of worker processes (``--workers``, default 6), each with its own environment.

Figures and goals (exit 1 when a goal is missed), over all runs:
* duplicates of customer- or human-visible writes: a service log or limited support reason
  with identical content added twice to a cluster, an identical incident note twice, an
  incident escalated more than one level, a title prefixed twice (goal 0);
* planned actions neither applied nor reported failed: an action reported ``succeeded`` or
  ``skipped_duplicate`` whose effect is not in the world afterwards (goal 0);
* tracebacks in the run record, captured logs (INFO and up, as ``cad run`` logs) or stderr
  (goal 0);
* runs that succeeded versus failed, and of the failed ones how many escalated the incident.

    .venv/bin/python bench/soak.py --runs 200 [--seed 1] [--fault-rate 0.2] [--workers 6]

Bounded: about 2.5 minutes for 200 runs on 2 cores.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import TRACEBACK, Goals, LogCapture, capture_thread_crashes, progress  # noqa: E402

KINDS = ("503", "429", "timeout", "reset")
TITLE_PREFIX = "[CAD Investigated]"
NOTES_HEADER = "Automated pre-investigation by CAD: {name}"
CLIENT_TIMEOUT_S = 1.0
LATE_WRITE_S = 1.1  # the simulator applies a timed-out request this long after it arrived
FAST_SETTINGS = {
    "CAD_RETRY_BASE_DELAY": "0.6",
    "CAD_INVESTIGATION_RETRY_DELAY": "0.1",
    "CAD_CHGM_CLOUDTRAIL_WAIT_SECONDS": "1",
    "LOG_LEVEL": "info",
}


# --- fault injection ---------------------------------------------------------------------------


class Chaos:
    """Random transient faults for one world, decided by a hash so a seed reproduces them."""

    def __init__(self, world: Any, seed: str, probability: float) -> None:
        self.world, self.seed, self.probability = world, seed, probability
        self.scripted = world.take_fault
        self.occurrences: collections.Counter[str] = collections.Counter()
        self.injected: collections.Counter[str] = collections.Counter()
        self.last_late_write = 0.0
        world.take_fault = self.take_fault

    def roll(self, key: str) -> tuple[float, str]:
        digest = hashlib.blake2b(f"{self.seed}|{key}".encode(), digest_size=16).digest()
        fraction = int.from_bytes(digest[:8], "big") / 2**64
        return fraction, KINDS[int.from_bytes(digest[8:], "big") % len(KINDS)]

    def take_fault(self, service: str, method: str, path: str) -> Any:
        scripted = self.scripted(service, method, path)
        if scripted is not None:
            return scripted
        key = f"{service}|{method}|{path}"
        with self.world.lock:
            self.occurrences[key] += 1
            number = self.occurrences[key]
        fraction, kind = self.roll(f"{key}|{number}")
        if fraction >= self.probability:
            return None
        with self.world.lock:
            self.injected[kind] += 1
            if kind == "timeout" and self.world.is_write(service, method, path):
                self.last_late_write = time.monotonic() + self.world.timeout_sleep_s
        return fault(service, method, path, kind)


def fault(service: str, method: str, path: str, kind: str) -> Any:
    from cad_sandbox.scenario import Fault

    if kind in ("timeout", "reset"):
        return Fault(service=service, path=path, method=method, kind=kind)  # type: ignore[arg-type]
    status = int(kind)
    headers: dict[str, str | int | float] = {}
    if status == 429:
        headers = (
            {"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "1"}
            if service == "pagerduty"
            else {"Retry-After": "1"}
        )
    return Fault(service=service, path=path, method=method, status=status, headers=headers)  # type: ignore[arg-type]


# --- one run (in a worker process) --------------------------------------------------------------

_LOGS: LogCapture | None = None


def init_worker(settings: dict[str, str]) -> None:
    """Per process: fast settings, short client timeouts, captured logs."""
    global _LOGS
    os.environ.update(settings)
    import botocore.config

    import cad_ocm.http
    import cad_pagerduty.client

    cad_pagerduty.client.TIMEOUT_SECONDS = CLIENT_TIMEOUT_S  # type: ignore[assignment]
    cad_ocm.http.TIMEOUT = CLIENT_TIMEOUT_S
    botocore.config.Config.OPTION_DEFAULTS["read_timeout"] = CLIENT_TIMEOUT_S
    botocore.config.Config.OPTION_DEFAULTS["connect_timeout"] = CLIENT_TIMEOUT_S
    _LOGS = LogCapture().install()
    capture_thread_crashes(_LOGS)


def run_one(task: tuple[int, str, str, float]) -> dict[str, Any]:
    index, name, seed, probability = task
    from cad_core.run.app import RunRequest, execute
    from cad_pagerduty.client import forget_clients
    from cad_sandbox.commands import default_config, environment
    from cad_sandbox.harness import Sandbox
    from cad_sandbox.scenario import bundled_examples, load_scenario

    assert _LOGS is not None
    _LOGS.take()
    scenario = load_scenario(bundled_examples()[name])
    result: dict[str, Any] = {"index": index, "scenario": name, "tracebacks": []}
    started = time.monotonic()
    stderr = io.StringIO()
    box = Sandbox(scenario, timeout_sleep_s=LATE_WRITE_S)
    chaos = Chaos(box.world, f"{seed}|{index}", probability)
    record: dict[str, Any] | None = None
    with box, environment(box.env()), contextlib.redirect_stderr(stderr):
        before = box.world.to_json()
        try:
            record = execute(RunRequest(payload=box.webhook_body(), config=default_config()))
            record = record.to_record()
        except Exception as error:
            import traceback

            result["tracebacks"].append(f"execute raised: {traceback.format_exc()}")
            result["crash"] = f"{type(error).__name__}: {error}"
        # A timed-out write lands after the client gave up: let it land before looking.
        wait = chaos.last_late_write - time.monotonic()
        if wait > 0:
            time.sleep(wait + 0.2)
        after = box.world.to_json()
        requests = box.world.requests()
    forget_clients()
    result["seconds"] = time.monotonic() - started
    result["injected"] = dict(chaos.injected)
    result["requests"] = len(requests)
    logs = _LOGS.take()
    texts = [*logs, stderr.getvalue(), json.dumps(record) if record else ""]
    result["tracebacks"] += [t for t in texts if TRACEBACK in t]
    result["errors_logged"] = sum(1 for line in logs if line.startswith(("ERROR", "CRITICAL")))
    if record is None:
        result.update(outcome="crashed", statuses={}, duplicates=[], unaccounted=[], landed=[])
        return result
    analyse(result, scenario, record, before, after)
    return result


def analyse(
    result: dict[str, Any],
    scenario: Any,
    record: dict[str, Any],
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    incident_id = scenario.pagerduty.incident.id
    start = before["pagerduty"]["incidents"][incident_id]
    end = after["pagerduty"]["incidents"][incident_id]
    expect = scenario.expect.exit_code if scenario.expect else None
    result["outcome"] = record["outcome"]
    result["expected_failure"] = expect == 1
    result["alert_read"] = record["alert"] is not None
    result["escalated"] = end["escalation_level"] > start["escalation_level"]
    result["statuses"] = dict(collections.Counter(a["status"] for a in record["actions"]))
    result["failed_actions"] = [
        f"{a['type']}: {a['error']}" for a in record["actions"] if a["status"] == "failed"
    ]
    result["errors"] = record["errors"]
    result["chain_failed"] = bool(record["errors"])
    result["duplicates"] = duplicates(before, after, incident_id)
    silent = scenario.pagerduty.silent_policy
    unaccounted, landed = [], []
    done = [a for a in record["actions"] if a["status"] in ("succeeded", "skipped_duplicate")]
    for action in record["actions"]:
        applied = effect_present(action, after, end, start, silent)
        if action["status"] in ("succeeded", "skipped_duplicate") and not applied:
            unaccounted.append(f"{action['type']} {action['status']} but not in the world")
        if (
            action["status"] == "failed"
            and applied
            and not effect_present(action, before, start, start, silent)
            and not any(same_effect(action, other) for other in done)
        ):
            landed.append(action["type"])  # its write landed although it reported failure
    result["unaccounted"] = unaccounted
    result["landed"] = landed


def _groups(items: list[Any]) -> collections.Counter[str]:
    return collections.Counter(json.dumps(item, sort_keys=True) for item in items)


def _added_twice(old: list[Any], new: list[Any]) -> list[str]:
    """Entries this run added although an identical one was there (or added twice)."""
    before, after = _groups(old), _groups(new)
    found = []
    for key, count in after.items():
        added = count - before.get(key, 0)
        extra = added if before.get(key, 0) else added - 1
        if extra > 0:
            found.append(f"{extra}x {key[:100]}")
    return found


def duplicates(before: dict[str, Any], after: dict[str, Any], incident_id: str) -> list[str]:
    found = []
    for cid, cluster in after["ocm"]["clusters"].items():
        old = before["ocm"]["clusters"].get(
            cid, {"service_logs": [], "limited_support_reasons": []}
        )
        for kind in ("service_logs", "limited_support_reasons"):
            found += [f"{kind} on {cid}: {d}" for d in _added_twice(old[kind], cluster[kind])]
    start = before["pagerduty"]["incidents"][incident_id]
    end = after["pagerduty"]["incidents"][incident_id]
    found += [f"note: {d}" for d in _added_twice(start["notes"], end["notes"])]
    climbed = end["escalation_level"] - start["escalation_level"]
    if climbed > 1:
        found.append(f"escalated {climbed} levels")
    if end["title"].count(TITLE_PREFIX) > max(1, start["title"].count(TITLE_PREFIX)):
        found.append(f"title prefixed twice: {end['title']!r}")
    reports = [r for r in after["backplane"]["reports"]]
    found += [
        f"backplane report: {d}" for d in _added_twice(before["backplane"]["reports"], reports)
    ]
    return found


def same_effect(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether ``other`` leaves the same trace in the world as ``one`` (a later escalation
    raises the level just as a failed earlier one would have)."""
    if one["type"] != other["type"]:
        return False
    if one["type"] in ("service_log", "limited_support", "cluster_report"):
        return bool(one["payload"] == other["payload"])
    if one["type"] == "incident_note" and one["payload"].get("content") is not None:
        return bool(one["payload"].get("content") == other["payload"].get("content"))
    return True


def effect_present(
    action: dict[str, Any],
    world: dict[str, Any],
    incident: dict[str, Any],
    start: dict[str, Any],
    silent_policy: str,
) -> bool:
    """Whether the world shows what ``action`` was meant to do."""
    payload, kind = action["payload"], action["type"]
    clusters = world["ocm"]["clusters"].values()
    resolved = incident["status"] == "resolved"
    if kind == "service_log":
        wanted = (payload["summary"], payload["description"])
        return any(
            (s["summary"], s["description"]) == wanted for c in clusters for s in c["service_logs"]
        )
    if kind == "limited_support":
        wanted = (payload["summary"], payload["details"])
        return any(
            (r["summary"], r["details"]) == wanted
            for c in clusters
            for r in c["limited_support_reasons"]
        )
    if kind == "cluster_report":
        return any(
            (r["summary"], r["data"]) == (payload["summary"], payload["data"])
            for r in world["backplane"]["reports"]
        )
    if kind == "incident_note":
        content = payload.get("content")
        if content is not None:
            # A note may carry the reasons of the silence or escalation after it.
            return any(n.strip().startswith(content.strip()) for n in incident["notes"])
        header = NOTES_HEADER.format(name=action["investigation"] or "cad")
        return any(header in n for n in incident["notes"])
    if kind == "silence_incident":
        return resolved or incident["escalation_policy"] == silent_policy
    if kind == "escalate_incident":
        return resolved or incident["escalation_level"] > start["escalation_level"]
    if kind == "incident_title":
        return TITLE_PREFIX in incident["title"]
    return True  # a type this bench does not know: nothing to compare


# --- the bench -----------------------------------------------------------------------------------


def plan(runs: int, seed: int) -> list[str]:
    from cad_sandbox.scenario import bundled_examples

    names = sorted(bundled_examples())
    order = [names[i % len(names)] for i in range(runs)]
    random.Random(seed).shuffle(order)
    return order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="sandbox runs (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="fault and order seed (default 1)")
    parser.add_argument("--fault-rate", type=float, default=0.2, help="per request (0.2)")
    parser.add_argument("--workers", type=int, default=6, help="worker processes (default 6)")
    parser.add_argument("--progress-every", type=int, default=20, help="progress line every N")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.workers < 1 or not 0 <= args.fault_rate <= 1:
        parser.error("--runs and --workers must be at least 1; --fault-rate within 0..1")

    order = plan(args.runs, args.seed)
    tasks = [(i, name, str(args.seed), args.fault_rate) for i, name in enumerate(order)]
    progress(
        f"{args.runs} runs over {len(set(order))} scenarios, fault rate {args.fault_rate}, "
        f"seed {args.seed}, {args.workers} workers"
    )
    results: list[dict[str, Any]] = []
    started = time.monotonic()
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.workers, init_worker, (FAST_SETTINGS,), maxtasksperchild=50) as pool:
        for result in pool.imap_unordered(run_one, tasks):
            results.append(result)
            if len(results) % args.progress_every == 0 or len(results) == args.runs:
                failed = sum(1 for r in results if r["outcome"] != "succeeded")
                dups = sum(len(r["duplicates"]) for r in results)
                progress(
                    f"{len(results)}/{args.runs} runs in {time.monotonic() - started:.0f}s; "
                    f"{failed} failed, {dups} duplicates so far"
                )
    wall = time.monotonic() - started
    return report(args, sorted(results, key=lambda r: r["index"]), wall)


def report(args: argparse.Namespace, results: list[dict[str, Any]], wall: float) -> int:
    injected: collections.Counter[str] = collections.Counter()
    statuses: collections.Counter[str] = collections.Counter()
    for r in results:
        injected.update(r["injected"])
        statuses.update(r["statuses"])
    succeeded = [r for r in results if r["outcome"] == "succeeded"]
    failed = [r for r in results if r["outcome"] == "failed"]
    crashed = [r for r in results if r["outcome"] == "crashed"]
    escalated = [r for r in failed if r["escalated"]]
    unread = [r for r in failed if not r["alert_read"]]
    # The chain failed, so CAD meant to escalate, and the escalation failed too.
    stranded = [r for r in failed if r["alert_read"] and r["chain_failed"] and not r["escalated"]]
    # The chain finished; an action after it (the title prefix) failed: nothing to escalate.
    late = [r for r in failed if r["alert_read"] and not r["chain_failed"] and not r["escalated"]]
    unexpected = [r for r in failed if not r["expected_failure"]]
    dups = [(r, d) for r in results for d in r["duplicates"]]
    customer_dups = [(r, d) for r, d in dups if not d.startswith("backplane report")]
    missing = [(r, u) for r in results for u in r["unaccounted"]]
    tracebacks = [(r, t) for r in results for t in r["tracebacks"]]
    landed = collections.Counter(x for r in results for x in r["landed"])
    requests = sum(r["requests"] for r in results)

    print(f"soak: {len(results)} runs, date {time.strftime('%Y-%m-%d')}")
    print(
        f"  setup: seed {args.seed}, fault rate {args.fault_rate}, {args.workers} workers, "
        f"client timeout {CLIENT_TIMEOUT_S}s, late write after {LATE_WRITE_S}s, "
        + ", ".join(f"{k}={v}" for k, v in FAST_SETTINGS.items() if k.startswith("CAD_"))
    )
    print(f"  wall time: {wall:.1f}s ({len(results) / wall * 60:.1f} runs/min)")
    print(
        f"  requests: {requests}; faults injected {sum(injected.values())} "
        f"({sum(injected.values()) / max(requests, 1):.1%}): {dict(sorted(injected.items()))}"
    )
    print(
        f"  runs: {len(succeeded)} succeeded, {len(failed)} failed "
        f"({len(escalated)} escalated, {len(stranded)} where the escalation failed too, "
        f"{len(late)} where only an action after the chain failed, {len(unread)} with the alert "
        f"unreadable), {len(crashed)} crashed; {len(unexpected)} of the failed runs are of "
        "scenarios that expect success"
    )
    print(f"  action outcomes: {dict(sorted(statuses.items()))}")
    print(
        f"  failed actions that landed anyway (lost replies): {sum(landed.values())} "
        f"{dict(sorted(landed.items()))}"
    )
    print(f"  backplane report duplicates (internal): {len(dups) - len(customer_dups)}")
    for r, d in customer_dups[:10]:
        print(f"  duplicate: run {r['index']} {r['scenario']}: {d}")
    for r, u in missing[:10]:
        print(f"  unaccounted: run {r['index']} {r['scenario']}: {u}")
    for r in stranded[:5]:
        print(f"  not escalated: run {r['index']} {r['scenario']}: {r['failed_actions'][:3]}")
    for r in late[:3]:
        print(
            f"  failed after the chain: run {r['index']} {r['scenario']}: {r['failed_actions'][:3]}"
        )
    for r, t in tracebacks[:3]:
        print(f"  traceback: run {r['index']} {r['scenario']}:\n    " + t.replace("\n", "\n    "))

    goals = Goals()
    goals.check("no duplicate customer-visible writes", not customer_dups, f"{len(customer_dups)}")
    goals.check("no planned action lost silently", not missing, f"{len(missing)}")
    goals.check("no tracebacks", not tracebacks, f"{len(tracebacks)}")
    return goals.report()


if __name__ == "__main__":
    sys.exit(main())
