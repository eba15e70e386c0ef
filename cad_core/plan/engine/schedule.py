"""Ordering by declared dependencies, not hard-coded phases.

* an action that reads the run notes, or declares ``after_note_writers``, waits for every
  action that writes notes;
* actions sharing a lane run one at a time, in plan order;
* an action waits for every earlier action whose type it ``requires``, and one that
  ``needs_clean_plan`` waits for all the others;
* everything else is independent and may run in parallel.
"""

from __future__ import annotations

from collections.abc import Sequence

from cad_core.plan.actions import Action


def dependencies(actions: Sequence[Action]) -> list[set[int]]:
    """For each action index, the indexes it must wait for."""
    writers = {i for i, a in enumerate(actions) if a.writes_notes}
    last_in_lane: dict[str, int] = {}
    deps: list[set[int]] = []
    for index, action in enumerate(actions):
        needs: set[int] = set()
        if action.reads_notes or action.after_note_writers:
            needs |= writers - {index}
        needs |= prerequisites(actions, index)
        if action.needs_clean_plan:
            needs |= _all_before(actions, index)
        if action.lane is not None:
            if action.lane in last_in_lane:
                needs.add(last_in_lane[action.lane])
            last_in_lane[action.lane] = index
        deps.append(needs)
    return deps


def _all_before(actions: Sequence[Action], index: int) -> set[int]:
    """Every other action, except its own kind and what follows it in its lane (those
    wait for it, so waiting for them would never end)."""
    lane = actions[index].lane
    return {
        i
        for i, other in enumerate(actions)
        if i != index
        and not other.needs_clean_plan
        and not (lane is not None and other.lane == lane and i > index)
    }


def prerequisites(actions: Sequence[Action], index: int) -> set[int]:
    """The earlier actions whose types ``actions[index]`` requires."""
    wanted = set(actions[index].requires)
    return {i for i in range(index) if actions[i].type_id in wanted}


def sequential_order(actions: Sequence[Action]) -> list[int]:
    """One valid serial order (used by dry-run listings and the benchmarks)."""
    deps = dependencies(actions)
    done: list[int] = []
    pending = list(range(len(actions)))
    while pending:
        ready = next(i for i in pending if deps[i] <= set(done))
        done.append(ready)
        pending.remove(ready)
    return done
