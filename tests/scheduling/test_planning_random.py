"""Whatever the day, the planner's plan passes an independent check; replan keeps the past."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dala_scheduling.planning.planner import plan, replan
from dala_scheduling.planning.problem import Break, Plan, Priority, Problem, Resource, Task
from dala_scheduling.planning.travel import PlanarTravel

from .planning_check import violations

SKILLS = ("gas", "electric")
point = st.tuples(st.integers(0, 60), st.integers(0, 60))


@st.composite
def days(draw: st.DrawFn) -> Problem:
    with_breaks = draw(st.booleans())
    n_res = draw(st.integers(1, 3))
    resources = []
    for k in range(n_res):
        start = draw(st.integers(0, 100))
        end = start + draw(st.integers(150, 500))
        lunch = (Break(start + 50, start + 120, draw(st.integers(5, 30))),) if with_breaks else ()
        blocked = ((start + 130, start + 145),) if with_breaks and draw(st.booleans()) else ()
        at = draw(point)
        resources.append(
            Resource(
                f"R{k}",
                at,
                at,
                start,
                end,
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS)))),
                breaks=lunch,
                blocked=blocked,
            )
        )
    tasks = []
    for i in range(draw(st.integers(0, 9))):
        opens = draw(st.integers(0, 400))
        tasks.append(
            Task(
                f"T{i}",
                draw(point),
                draw(st.integers(1, 60)),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=1))),
                window=(opens, opens + draw(st.integers(0, 200))) if draw(st.booleans()) else None,
                priority=draw(st.sampled_from(list(Priority))),
                pinned_to=draw(st.sampled_from([None, None, None, "R0", "R9"])),
                optional=draw(st.booleans()),
            )
        )
    return Problem(tuple(resources), tuple(tasks), PlanarTravel(1))


def _accounted(problem: Problem, result: Plan) -> None:
    placed = [v.task_id for r in result.routes for v in r.visits]
    left = [u.task_id for u in result.unassigned]
    assert sorted(placed + left) == sorted(t.id for t in problem.tasks)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_every_plan_passes_the_independent_check(problem: Problem) -> None:
    result = plan(problem, seconds=0.15)
    assert violations(problem, result) == []
    _accounted(problem, result)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days(), st.integers(0, 400))
def test_replan_keeps_what_started_and_stays_valid(problem: Problem, now: int) -> None:
    current = plan(problem, seconds=0.15)
    urgent = Task("NEW", (30, 30), 10, window=(now, now + 120), priority=Priority.EMERGENCY)
    changed = dataclasses.replace(problem, tasks=(*problem.tasks, urgent))
    result = replan(changed, current, now=now, seconds=0.2)
    before = {v.task_id: (r.resource_id, v.start) for r in current.routes for v in r.visits}
    after = {v.task_id: (r.resource_id, v.start) for r in result.routes for v in r.visits}
    for tid, (rid, start) in before.items():
        if start < now:
            assert after[tid] == (rid, start)
    for tid, (_, start) in after.items():
        if tid not in before or before[tid][1] >= now:
            assert start >= now
    _accounted(changed, result)
    # Only what is planned from now on is checked again (the past may predate the change).
    future = dataclasses.replace(
        result,
        routes=tuple(r for r in result.routes if all(v.start >= now for v in r.visits)),
    )
    assert violations(changed, future) == []
