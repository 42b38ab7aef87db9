"""The day planner on small hand-made days: every constraint, priorities, reasons, timing."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dala_scheduling.planning.engines.pyvrp_engine import PyVrpEngine
from dala_scheduling.planning.engines.vroom_engine import VroomEngine
from dala_scheduling.planning.planner import DayPlanner, plan, replan, schedule
from dala_scheduling.planning.problem import (
    Break,
    Plan,
    Priority,
    Problem,
    Resource,
    Task,
    UnassignedReason,
)
from dala_scheduling.planning.travel import PlanarTravel

from .planning_check import violations

# On the plane with scale 1, one unit of distance is one unit of time.
TRAVEL = PlanarTravel(1)
BUDGET = 0.3


def tech(
    rid: str, at: tuple[float, float] = (0, 0), shift: tuple[int, int] = (0, 1000), **kw
) -> Resource:  # type: ignore[no-untyped-def]
    return Resource(rid, at, at, shift[0], shift[1], **kw)


def job(tid: str, at: tuple[float, float], duration: int = 10, **kw: Any) -> Task:
    return Task(tid, at, duration, **kw)


def day(resources: list[Resource], tasks: list[Task]) -> Problem:
    return Problem(tuple(resources), tuple(tasks), TRAVEL)


def where(result: Plan) -> dict[str, str]:
    return {v.task_id: r.resource_id for r in result.routes for v in r.visits}


def reasons(result: Plan) -> dict[str, UnassignedReason]:
    return {u.task_id: u.reason for u in result.unassigned}


def checked(problem: Problem, seconds: float = BUDGET) -> Plan:
    result = plan(problem, seconds=seconds)
    assert violations(problem, result) == []
    assert result.violations == ()
    return result


def test_a_job_goes_to_the_technician_with_its_skills() -> None:
    problem = day(
        [tech("near", (1, 0)), tech("gas", (50, 0), skills=frozenset({"gas"}))],
        [job("boiler", (2, 0), skills=frozenset({"gas"}))],
    )
    assert where(checked(problem)) == {"boiler": "gas"}


def test_service_starts_inside_each_window_in_the_order_they_force() -> None:
    problem = day(
        [tech("t")],
        [job("late", (10, 0), window=(100, 120)), job("early", (5, 0), window=(0, 20))],
    )
    result = checked(problem)
    (route,) = result.routes
    assert [v.task_id for v in route.visits] == ["early", "late"]
    assert route.visits[1].start == 100


def test_the_technician_is_home_by_the_end_of_the_shift() -> None:
    # Out 40, 10 on site, back 40: 90 > 80, so it cannot be done at all.
    problem = day([tech("t", shift=(0, 80))], [job("far", (40, 0))])
    result = checked(problem)
    assert result.placed == 0
    assert reasons(result) == {"far": UnassignedReason.WINDOW_UNREACHABLE}


def test_the_break_is_taken_in_its_window_and_never_inside_a_job() -> None:
    lunch = Break(earliest_start=40, latest_start=60, duration=30)
    problem = day(
        [tech("t", breaks=(lunch,))],
        [
            job("a", (1, 0), duration=50, window=(0, 10)),
            job("b", (2, 0), duration=50, window=(0, 200)),
        ],
    )
    result = checked(problem)
    (route,) = result.routes
    (start,) = route.break_starts
    assert 40 <= start <= 60
    for visit in route.visits:
        assert start + 30 <= visit.start or start >= visit.end


def test_a_pinned_job_stays_with_its_technician() -> None:
    problem = day(
        [tech("near", (1, 0)), tech("far", (90, 0))],
        [job("mine", (2, 0), pinned_to="far")],
    )
    assert where(checked(problem)) == {"mine": "far"}


def test_nothing_is_planned_inside_a_blocked_span() -> None:
    problem = day([tech("t", blocked=((0, 100),))], [job("a", (5, 0), window=(0, 150))])
    (route,) = checked(problem).routes
    assert route.visits[0].start >= 105


@pytest.mark.parametrize("breaks", [(), (Break(0, 500, 5),)], ids=["pyvrp", "vroom"])
def test_with_room_for_one_job_the_emergency_wins(breaks: tuple[Break, ...]) -> None:
    # Either job alone fits the 50-unit shift; both do not.
    tasks = [
        job("routine", (10, 0), duration=20, priority=Priority.NORMAL),
        job("leak", (10, 1), duration=20, priority=Priority.EMERGENCY),
    ]
    result = checked(day([tech("t", shift=(0, 50), breaks=breaks)], tasks))
    assert where(result) == {"leak": "t"}
    assert reasons(result) == {"routine": UnassignedReason.NO_CAPACITY}


def test_reasons_do_not_depend_on_the_engine() -> None:
    problem = day(
        [tech("t", shift=(0, 60)), tech("off", shift=(0, 0))],
        [
            job("roof", (1, 0), skills=frozenset({"roofing"})),
            job("ghost", (1, 0), pinned_to="nobody"),
            job("resting", (1, 0), pinned_to="off"),
            job("too-late", (1, 0), window=(900, 950)),
            job("fits", (1, 0), duration=40),
            job("extra", (1, 1), duration=40, optional=True),
        ],
    )
    expected = {
        "roof": UnassignedReason.NO_SKILLED_TECHNICIAN,
        "ghost": UnassignedReason.PINNED_TECHNICIAN_UNAVAILABLE,
        "resting": UnassignedReason.PINNED_TECHNICIAN_UNAVAILABLE,
        "too-late": UnassignedReason.WINDOW_UNREACHABLE,
        "extra": UnassignedReason.LEFT_OUT_OPTIONAL,
    }
    for planner in (DayPlanner(), VroomEngine(), PyVrpEngine()):
        result = planner.plan(problem, seconds=BUDGET)
        assert violations(problem, result) == []
        assert reasons(result) == expected, planner.name
        assert where(result) == {"fits": "t"}


def test_capacity_limits_what_a_vehicle_takes() -> None:
    problem = day(
        [tech("a", capacity=10), tech("b", capacity=10)],
        [job(f"c{i}", (i + 1, 0), demand=6) for i in range(3)],
    )
    result = checked(problem)
    assert result.placed == 2
    assert all(sum(6 for _ in r.visits) <= 10 for r in result.routes)


def test_progress_is_reported_from_start_to_end() -> None:
    seen: list[float] = []
    plan(day([tech("t")], [job("a", (3, 4))]), seconds=BUDGET, progress=seen.append)
    assert seen[0] == 0.0
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def test_schedule_times_a_given_route_and_reports_what_it_breaks() -> None:
    lunch = Break(earliest_start=25, latest_start=40, duration=10)
    problem = day(
        [tech("t", shift=(0, 100), breaks=(lunch,))],
        [
            job("a", (3, 4), duration=10, window=(20, 30)),
            job("b", (3, 0), duration=20),
            job("c", (0, 40), duration=5, window=(0, 10)),
        ],
    )
    # Leave at 15 (5 to travel, start 20), a ends 30; break 30-40 then 4 to b: start 44,
    # end 64; home at 67.
    result = schedule(problem, {"t": ["a", "b"]})
    (route,) = result.routes
    assert [(v.arrival, v.start, v.end, v.travel) for v in route.visits] == [
        (5, 20, 30, 5),
        (44, 44, 64, 4),
    ]
    assert route.break_starts == (30,)
    assert (route.departure, route.return_at, route.travel) == (15, 67, 12)
    assert route.idle == 67 - 15 - 12 - 30 - 10
    assert route.violations == ()
    assert [u.task_id for u in result.unassigned] == ["c"]

    late = schedule(problem, {"t": ["a", "b", "c"]}).routes[0]
    assert any(v.startswith("late c") for v in late.violations)
    assert any(v.startswith("shift end t") for v in late.violations)
    assert late.overtime > 0


def test_schedule_refuses_unknown_and_repeated_tasks() -> None:
    problem = day([tech("t")], [job("a", (1, 0))])
    with pytest.raises(ValueError, match="unknown task"):
        schedule(problem, {"t": ["zzz"]})
    with pytest.raises(ValueError, match="more than one"):
        schedule(problem, {"t": ["a", "a"]})
    with pytest.raises(ValueError, match="unknown technician"):
        schedule(problem, {"x": ["a"]})


def test_the_current_plan_is_a_warm_start() -> None:
    tasks = [job(f"j{i}", (i * 3 % 7, i * 5 % 11), window=(0, 500)) for i in range(8)]
    base = day([tech("a"), tech("b", (5, 5))], tasks)
    first = checked(base)
    current = {r.resource_id: tuple(v.task_id for v in r.visits) for r in first.routes}
    again = checked(Problem(base.resources, base.tasks, TRAVEL, current=current))
    assert again.placed == first.placed == 8


def test_replan_moves_a_sick_technicians_future_jobs_and_keeps_work_in_progress() -> None:
    tasks = [
        job("a1", (1, 0), duration=30, window=(0, 0), pinned_to="a"),
        job("a2", (2, 0), duration=30, window=(100, 100), pinned_to="a"),
        job("b1", (50, 0), duration=30, window=(60, 60), pinned_to="b"),
        job("free", (3, 0), duration=30, window=(200, 300)),
    ]
    problem = day([tech("a", shift=(-1, 1000)), tech("b", (50, 0))], tasks)
    current = Plan(
        (
            schedule(problem, {"a": ["a1", "a2", "free"]}).routes[0],
            schedule(problem, {"b": ["b1"]}).routes[0],
        ),
        (),
        "manual",
        0.0,
    )
    # At 20, a is in the middle of a1; a goes home sick at 20.
    sick = Problem(
        (dataclasses.replace(problem.resources[0], shift_end=20), problem.resources[1]),
        problem.tasks,
        TRAVEL,
    )
    result = replan(sick, current, now=20, seconds=0.5)
    starts = {v.task_id: (r.resource_id, v.start) for r in result.routes for v in r.visits}
    assert starts["a1"] == ("a", 0)
    assert starts["b1"] == ("b", 60)
    assert starts["free"][0] == "b"
    assert {u.task_id: u.reason for u in result.unassigned} == {
        "a2": UnassignedReason.PINNED_TECHNICIAN_UNAVAILABLE
    }


def test_a_current_plan_that_no_longer_fits_is_not_a_warm_start() -> None:
    # a's window closed before anyone could get there: VROOM refuses such a start.
    base = day(
        [tech("t", shift=(0, 100), breaks=(Break(0, 500, 5),))],
        [job("a", (40, 0), window=(0, 5)), job("b", (1, 0)), job("c", (2, 0))],
    )
    stale = Problem(base.resources, base.tasks, TRAVEL, current={"t": ("a", "b", "c")})
    result = checked(stale)
    assert sorted(where(result)) == ["b", "c"]
