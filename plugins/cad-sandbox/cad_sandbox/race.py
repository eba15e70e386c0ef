"""Several CAD processes investigating one incident at once, against one simulated world.

Alert sources redeliver webhooks and two PipelineRuns can start for one incident, so this
is what production sees. Each trial starts a fresh world, releases ``processes`` real
``cad run`` pipelines together, and counts what landed; a run alone on a fresh world is the
reference. Any count above the reference is a duplicate write.

Worker processes are started once and reused for every trial (an interpreter start costs
more than a run), with the ``spawn`` method so no thread of the caller is forked.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cad_sandbox.scenario import Scenario, load_scenario

START_TIMEOUT_S = 120.0


def artefacts(world: dict[str, Any], simulators: Any = None) -> dict[str, int]:
    """Each kind of write CAD made, counted in a world JSON as the simulators declare
    (``writes``); ``simulators`` default to the installed ones."""
    from cad_sandbox.extensions import installed_simulators, write_counts

    found = installed_simulators() if simulators is None else simulators
    return {name: count(world) for name, count in write_counts(found).items()}


@dataclasses.dataclass(frozen=True)
class Trial:
    """What one trial wrote (counts above the seeded world) and how each run ended."""

    written: dict[str, int]
    exit_codes: list[int]
    records: list[dict[str, Any]]
    world: dict[str, Any]
    requests: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def duplicates(self, reference: Mapping[str, int]) -> int:
        return sum(max(0, self.written[name] - reference.get(name, 0)) for name in self.written)


def with_latency(scenario: Scenario | str, latency_ms: float) -> Scenario:
    """The scenario (a path or a bundled example name) with the same latency on every host."""
    if not isinstance(scenario, Scenario):
        from cad_sandbox.commands import resolve_scenario

        scenario = load_scenario(resolve_scenario(scenario))
    latency = type(scenario.latency_ms)
    every = latency(**{field.name: latency_ms for field in dataclasses.fields(latency)})
    return dataclasses.replace(scenario, latency_ms=every)


@contextmanager
def workers(processes: int) -> Iterator[Any]:
    """A pool of ``processes`` interpreters that start their runs together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    pool = context.Pool(processes, initializer=_init_worker, initargs=(barrier,))
    try:
        yield pool
    finally:
        pool.terminate()
        pool.join()


def run_trial(
    pool: Any,
    processes: int,
    scenario: Scenario,
    env: Mapping[str, str] | None = None,
    config: str | None = None,
    prepare: Callable[[dict[str, str]], None] | None = None,
) -> Trial:
    """One fresh world, ``processes`` concurrent runs of its incident, what landed.

    ``prepare(env)``, if given, runs once the world is up and before the runs start (for
    example to leave a dead holder's lock behind); ``env`` points at the world.
    """
    from cad_sandbox.commands import default_config
    from cad_sandbox.harness import Sandbox

    with Sandbox(scenario) as box:
        before = artefacts(box.world.to_json(), scenario.simulators)
        job = ({**box.env(), **(env or {})}, box.webhook_body(), config or default_config())
        if prepare is not None:
            prepare(dict(job[0]))
        results = pool.map(_run_in_worker, [job] * processes, chunksize=1)
        world, log = box.world.to_json(), box.world.requests()
    after = artefacts(world, scenario.simulators)
    written = {name: after[name] - before[name] for name in after}
    codes, records = [code for code, _ in results], [rec for _, rec in results]
    return Trial(written, codes, records, world, log)


_barrier: Any = None


def _init_worker(barrier: Any) -> None:
    global _barrier
    _barrier = barrier


def _run_in_worker(job: tuple[dict[str, str], bytes, str]) -> tuple[int, dict[str, Any]]:
    env, body, config = job
    os.environ.update(env)  # each trial's world has new ports, token and CA
    from cad_core.run.app import RunRequest, execute

    _barrier.wait(timeout=START_TIMEOUT_S)  # all runs start together: the worst case
    record = execute(RunRequest(payload=body, config=config))
    return (1 if record.failed else 0), record.to_record()


# --- a holder stalled past its lock -----------------------------------------------------------

# What a run reads right before it writes (the executors' "already applied?" checks): the
# worst moment to stall a holder, between its check and its write.
WRITE_CHECKS = ("/limited_support_reasons", "/cluster_logs")


def stop_at_write_check(box: Any, process: Any, checks: tuple[str, ...] = WRITE_CHECKS) -> Any:
    """SIGSTOP ``process`` as its first write check reaches the simulator, once it has asked
    for its Leases, before the answer ("not there yet") leaves. Returns an Event set then."""
    import signal
    import threading

    stopped = threading.Event()
    asked = [0]
    take_fault = box.world.take_fault

    def hook(service: str, method: str, path: str) -> Any:
        if method == "POST" and path.endswith("/leases"):
            asked[0] += 1
        elif method == "GET" and asked[0] and path.endswith(checks) and not stopped.is_set():
            process.send_signal(signal.SIGSTOP)
            stopped.set()
        return take_fault(service, method, path)

    box.world.take_fault = hook
    return stopped


def run_stalled_trial(
    scenario: Scenario, env: Mapping[str, str], folder: str, config: str | None = None
) -> Trial:
    """A first ``cad run`` stopped (SIGSTOP) between its check and its write, a second run
    taking over meanwhile, then SIGCONT: what landed, and how both runs ended (first, second).

    ``records`` is empty for a run that printed no record."""
    import json
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from cad_sandbox.commands import default_config
    from cad_sandbox.harness import Sandbox

    with Sandbox(scenario) as box:
        before = artefacts(box.world.to_json(), scenario.simulators)
        payload = Path(folder) / "payload.json"
        payload.write_bytes(box.webhook_body())
        command = [sys.executable, "-c", "from cad_core.cli.commands import main; main()", "run"]
        command += ["--payload-path", str(payload), "--config", config or default_config()]
        full_env = {**os.environ, **box.env(), **env}

        def start() -> subprocess.Popen[str]:
            return subprocess.Popen(
                [*command, "-o", "json"],
                env=full_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )

        first = start()
        stopped = stop_at_write_check(box, first)
        runs = [first]
        try:
            while not stopped.wait(0.005) and first.poll() is None:
                pass
            if stopped.is_set():
                runs.append(start())
                runs[1].wait(timeout=START_TIMEOUT_S * 5)
        finally:
            first.send_signal(signal.SIGCONT)
        outputs = [run.communicate(timeout=START_TIMEOUT_S * 5)[0] for run in runs]
        world, log = box.world.to_json(), box.world.requests()
    after = artefacts(world, scenario.simulators)
    written = {name: after[name] - before[name] for name in after}
    records = [json.loads(out) for out in outputs if out.strip()]
    return Trial(written, [run.returncode for run in runs], records, world, log)
