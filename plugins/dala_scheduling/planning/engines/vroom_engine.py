"""VROOM (pyvroom): skills, breaks, priorities and shifts natively — the engine for FSM days.

VROOM's time limit cuts its search short rather than spreading it, so the
exploration level is chosen to fit the budget (measured on this machine:
level 1 takes about 0.5 s per 100 jobs on 2 threads, level 2 about 1.7 s).
Pins become a skill only the pinned technician has; blocked spans become breaks
with a fixed start. The current plan, if any, is handed over as initial routes.
"""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import timedelta

import numpy as np
import vroom

from ..indexed import Indexed, index
from ..problem import Plan, Problem, Progress
from ..repair import Routes, make_feasible, to_plan
from ..weights import weight

# Seconds per 100 jobs at each exploration level on 2 threads (measured, fsm_day).
_SECONDS_PER_100 = {0: 0.25, 1: 0.55, 2: 1.8, 3: 3.3, 4: 6.0, 5: 10.0}


def threads() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def exploration_level(n_tasks: int, seconds: float, n_threads: int) -> int:
    """The highest level expected to converge within ``seconds``."""
    scale = max(1, n_tasks) / 100 * 2 / n_threads
    fitting = [lvl for lvl, per in _SECONDS_PER_100.items() if per * scale <= seconds]
    return max(fitting, default=0)


def sequences(ix: Indexed, *, seconds: float, level: int | None = None) -> Routes:
    """VROOM's visit order per resource position (not yet checked by us)."""
    problem = ix.problem
    skill_ids: dict[str, int] = {}

    def skill(name: str) -> int:
        return skill_ids.setdefault(name, len(skill_ids))

    pin_skill = {res.id: skill(f"\0pin:{res.id}") for res in problem.resources}
    uses_capacity = any(res.capacity > 0 for res in problem.resources)
    big_capacity = sum(task.demand for task in problem.tasks) + 1

    matrix = np.asarray(ix.durations, dtype=np.int64).clip(0, 2**31)
    model = vroom.Input()
    model.set_durations_matrix("car", matrix.astype("uint32"))

    task_ids = {task.id: ti for ti, task in enumerate(problem.tasks)}
    break_id = 0
    for r, res in enumerate(problem.resources):
        breaks = []
        for pause in ix.resource_pauses[r]:
            breaks.append(
                vroom.Break(
                    break_id,
                    time_windows=[vroom.TimeWindow(pause.earliest, pause.latest)],
                    service=pause.duration,
                )
            )
            break_id += 1
        steps = []
        current = [task_ids[t] for t in problem.current.get(res.id, ()) if t in task_ids]
        if current:
            steps = [
                vroom.VehicleStep("start"),
                *(vroom.VehicleStep("single", ti) for ti in current if r in ix.eligible[ti]),
                vroom.VehicleStep("end"),
            ]
        capacity = [res.capacity or big_capacity] if uses_capacity else []
        model.add_vehicle(
            vroom.Vehicle(
                r,
                start=ix.start_loc[r],
                end=ix.end_loc[r],
                skills={skill(s) for s in res.skills} | {pin_skill[res.id]},
                time_window=vroom.TimeWindow(res.shift_start, res.shift_end),
                breaks=breaks,
                capacity=capacity,
                steps=steps,
            )
        )
    for ti, task in enumerate(problem.tasks):
        skills = {skill(s) for s in task.skills}
        if task.pinned_to is not None:
            if task.pinned_to not in pin_skill:
                continue
            skills.add(pin_skill[task.pinned_to])
        windows = [vroom.TimeWindow(*task.window)] if task.window is not None else []
        model.add_job(
            vroom.Job(
                ti,
                location=ix.task_loc[ti],
                default_service=task.duration,
                skills=skills,
                priority=weight(task),
                time_windows=windows,
                delivery=[task.demand] if uses_capacity else [],
            )
        )
    if not model.jobs or not model.vehicles:
        return {}
    n_threads = threads()
    if level is None:
        level = exploration_level(len(problem.tasks), seconds, n_threads)
    timeout = timedelta(seconds=max(0.05, seconds))
    try:
        solution = model.solve(exploration_level=level, nb_threads=n_threads, timeout=timeout)
    except vroom._vroom.VroomInputException:
        if not problem.current:
            raise
        # VROOM refuses a warm start it cannot follow (the current plan no longer
        # fits): plan from scratch instead.
        return sequences(
            dataclasses.replace(ix, problem=_without_current(problem)), seconds=seconds, level=level
        )
    routes: Routes = {}
    frame = solution.routes
    if frame.empty or "id" not in frame.columns:
        # Nothing placed: VROOM's frame then lacks the job columns.
        return routes
    jobs = frame[frame["type"] == "job"]
    for vehicle, ti in zip(jobs["vehicle_id"], jobs["id"], strict=True):
        routes.setdefault(int(vehicle), []).append(int(ti))
    return routes


def _without_current(problem: Problem) -> Problem:
    return dataclasses.replace(problem, current={})


class VroomEngine:
    """A :class:`~dala_scheduling.planning.problem.Planner` running VROOM alone."""

    name = "vroom"

    def plan(self, problem: Problem, *, seconds: float, progress: Progress | None = None) -> Plan:
        started = time.monotonic()
        if progress:
            progress(0.0)
        ix = index(problem)
        routes = sequences(ix, seconds=max(0.05, seconds - (time.monotonic() - started)))
        make_feasible(ix, routes)
        if progress:
            progress(1.0)
        return to_plan(ix, routes, self.name, started)
