"""An independent validator for plans, for the planner's tests.

It reads only the problem's dataclasses and its travel model (not the planner's
timing), and lists every rule a plan breaks.
"""

from __future__ import annotations

from dala_scheduling.planning.problem import Plan, Problem


def violations(problem: Problem, plan: Plan) -> list[str]:
    tasks = {t.id: t for t in problem.tasks}
    resources = {r.id: r for r in problem.resources}
    out: list[str] = []
    seen: set[str] = set()
    for route in plan.routes:
        res = resources[route.resource_id]
        if not route.visits:
            continue
        stops = [res.start_location, *(tasks[v.task_id].location for v in route.visits)]
        stops.append(res.end_location)
        matrix = problem.travel.durations(stops)
        # Everything the technician does, as [start, end) spans: jobs, breaks, blocked.
        pauses = [(s, s + b.duration) for s, b in zip(route.break_starts, res.breaks, strict=False)]
        pauses += list(res.blocked)
        if len(route.break_starts) != len(res.breaks):
            out.append(f"{res.id}: {len(route.break_starts)} breaks for {len(res.breaks)}")
        for s, b in zip(route.break_starts, res.breaks, strict=False):
            if not b.earliest_start <= s <= b.latest_start:
                out.append(f"{res.id}: break at {s} outside window")
        free = res.shift_start
        for k, visit in enumerate(route.visits):
            task = tasks[visit.task_id]
            if visit.task_id in seen:
                out.append(f"{task.id} twice")
            seen.add(task.id)
            if not task.skills <= res.skills:
                out.append(f"{task.id}: skills")
            if task.pinned_to is not None and task.pinned_to != res.id:
                out.append(f"{task.id}: pinned elsewhere")
            if task.window is not None and not task.window[0] <= visit.start <= task.window[1]:
                out.append(f"{task.id}: outside window")
            if visit.end - visit.start != task.duration:
                out.append(f"{task.id}: wrong duration")
            in_gap = sum(e - s for s, e in pauses if free <= s and e <= visit.start)
            if visit.start < free + matrix[k][k + 1] + in_gap:
                out.append(f"{task.id}: cannot be reached by {visit.start}")
            for s, e in pauses:
                if s < visit.end and visit.start < e:
                    out.append(f"{task.id}: overlaps a break or blocked span")
            free = visit.end
        after = sum(e - s for s, e in pauses if s >= free)
        home = free + matrix[-2][-1] + after
        latest_pause_end = max([e for s, e in pauses if s >= free], default=0)
        if max(home, latest_pause_end) > res.shift_end:
            out.append(f"{res.id}: home after shift end")
        if sum(res.capacity and t.demand for t in (tasks[v.task_id] for v in route.visits)) > (
            res.capacity or 10**18
        ):
            out.append(f"{res.id}: over capacity")
    return out
