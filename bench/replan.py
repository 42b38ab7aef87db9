"""Re-planning during the day: an emergency arrives, a technician goes home sick.

    python -m bench.replan DAY.json [--seconds S] [--now HH:MM] [--budget B]

Plans the fsm_day day with ``planner.plan`` (S seconds) and takes it as the plan
in force. Then, at ``now`` (default 11:00):

(a) an emergency job arrives near the middle of the area, with a two-hour window
    from ``now``;
(b) the technician with the fullest day still ahead goes home sick at ``now``.

Each is repaired with ``planner.replan`` (budget B, default 1 s) and checked
here, independently of the planner: visits that started before ``now`` (done or
in progress) are unchanged (technician and start), pinned jobs are with their
technician, the emergency is placed in its window, the sick technician has no
work after ``now`` and each of their future jobs is either with someone else or
listed as unassigned; and the whole plan passes ``bench/fsm_check.py``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import sys
import time
from typing import Any

from bench.fsm_check import check
from bench.fsm_load import plan_json, read_day, to_problem
from bench.machine import describe
from dala_scheduling.planning.planner import plan, replan
from dala_scheduling.planning.problem import Plan, Priority, Problem, Task


def _starts(result: Plan) -> dict[str, tuple[str, int]]:
    return {v.task_id: (r.resource_id, v.start) for r in result.routes for v in r.visits}


def _common_checks(
    day: dict[str, Any], before: Plan, after: Plan, now: int, skip: set[str]
) -> list[str]:
    problems: list[str] = []
    old, new = _starts(before), _starts(after)
    for tid, (rid, start) in old.items():
        if start < now and new.get(tid) != (rid, start):
            problems.append(f"{tid} started before now but changed: {new.get(tid)}")
    for job in day["jobs"]:
        pinned = job.get("pinned_to")
        if pinned and job["id"] in new and new[job["id"]][0] != pinned:
            problems.append(f"{job['id']} pinned to {pinned} moved to {new[job['id']][0]}")
    for tid, (_, start) in new.items():
        if tid not in old and start < now:
            problems.append(f"{tid} newly placed before now")
    answer = plan_json(after, 0)
    for rid in skip:
        answer["routes"].pop(rid, None)
        answer["breaks"].pop(rid, None)
    problems += [f"checker: {v}" for v in check(day, answer).violations]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("day")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--now", default="11:00")
    parser.add_argument("--budget", type=float, default=1.0)
    args = parser.parse_args(argv)
    hours, minutes = map(int, args.now.split(":"))
    now = hours * 3600 + minutes * 60

    day = read_day(args.day)
    problem = to_problem(day)
    current = plan(problem, seconds=args.seconds)
    print(describe())
    print(
        f"plan in force: {current.placed} jobs placed ({current.engine}, "
        f"{current.seconds:.2f} s); now = {args.now}"
    )
    failures = 0

    # (a) An emergency near the middle of the area.
    lat = statistics.fmean(j["location"][0] for j in day["jobs"])
    lon = statistics.fmean(j["location"][1] for j in day["jobs"])
    emergency = Task(
        "EMERGENCY-1",
        (lat, lon),
        3600,
        skills=frozenset({"general"}),
        window=(now, now + 7200),
        priority=Priority.EMERGENCY,
    )
    problem_a = dataclasses.replace(problem, tasks=(*problem.tasks, emergency))
    started = time.perf_counter()
    after_a = replan(problem_a, current, now=now, seconds=args.budget)
    seconds_a = time.perf_counter() - started
    day_a = copy.deepcopy(day)
    day_a["jobs"].append(
        {
            "id": emergency.id,
            "location": [lat, lon],
            "skills": ["general"],
            "duration": emergency.duration,
            "window": list(emergency.window or (0, 0)),
            "priority": "emergency",
            "pinned_to": None,
        }
    )
    problems_a = _common_checks(day_a, current, after_a, now, set())
    placed = _starts(after_a).get(emergency.id)
    if placed is None or not now <= placed[1] <= now + 7200:
        problems_a.append(f"emergency not placed in its window: {placed}")
    moved_a = sum(
        1
        for tid, (rid, _) in _starts(current).items()
        if tid in _starts(after_a) and _starts(after_a)[tid][0] != rid
    )
    print(
        f"(a) emergency at {args.now}: {seconds_a:.3f} s, placed with {placed}, "
        f"{after_a.placed} jobs placed, {moved_a} jobs changed technician, "
        f"checks: {'ok' if not problems_a else problems_a[:5]}"
    )
    failures += bool(problems_a)

    # (b) The technician with the most work after now goes home sick.
    ahead = {r.resource_id: sum(1 for v in r.visits if v.start >= now) for r in current.routes}
    sick = max(ahead, key=lambda rid: (ahead[rid], rid))
    resources = tuple(
        dataclasses.replace(res, shift_end=now) if res.id == sick else res
        for res in problem.resources
    )
    problem_b: Problem = dataclasses.replace(problem, resources=resources)
    started = time.perf_counter()
    after_b = replan(problem_b, current, now=now, seconds=args.budget)
    seconds_b = time.perf_counter() - started
    problems_b = _common_checks(day, current, after_b, now, {sick})
    future = [v.task_id for r in current.routes if r.resource_id == sick for v in r.visits]
    future = [tid for tid in future if _starts(current)[tid][1] >= now]
    new_starts = _starts(after_b)
    unassigned = {u.task_id: u.reason for u in after_b.unassigned}
    moved = [tid for tid in future if tid in new_starts and new_starts[tid][0] != sick]
    listed = [tid for tid in future if tid in unassigned]
    for tid in future:
        if tid in new_starts and new_starts[tid][0] == sick:
            problems_b.append(f"{tid} still with the sick technician")
        if tid not in new_starts and tid not in unassigned:
            problems_b.append(f"{tid} lost: neither placed nor listed")
    print(
        f"(b) {sick} sick at {args.now} ({len(future)} jobs ahead): {seconds_b:.3f} s, "
        f"{len(moved)} moved to others, {len(listed)} unassigned "
        f"({', '.join(sorted({str(unassigned[t]) for t in listed})) or '-'}), "
        f"{after_b.placed} jobs placed, checks: {'ok' if not problems_b else problems_b[:5]}"
    )
    failures += bool(problems_b)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
