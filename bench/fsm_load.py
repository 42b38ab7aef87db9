"""The fsm_day benchmark file as the product holds a day: Resources, Tasks, a Problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dala_scheduling.planning.problem import Break, Plan, Priority, Problem, Resource, Task
from dala_scheduling.planning.travel import HaversineTravel

PRIORITY = {
    "emergency": Priority.EMERGENCY,
    "high": Priority.HIGH,
    "normal": Priority.NORMAL,
    "low": Priority.LOW,
}


def read_day(path: str | Path) -> dict[str, Any]:
    with open(path) as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def to_problem(day: dict[str, Any]) -> Problem:
    model = day["travel"]
    travel = HaversineTravel(
        float(model["speed_m_per_s"]),
        detour_factor=float(model["detour_factor"]),
        earth_radius_m=float(model["earth_radius_m"]),
    )
    resources = tuple(
        Resource(
            id=tech["id"],
            # Five technicians start the day at a customer's site, free at their shift start.
            start_location=tuple(tech["start_location"]),  # type: ignore[arg-type]
            end_location=tuple(tech["home"]),  # type: ignore[arg-type]
            shift_start=int(tech["shift"][0]),
            shift_end=int(tech["shift"][1]),
            skills=frozenset(tech["skills"]),
            breaks=(
                (
                    Break(
                        int(tech["break"]["earliest_start"]),
                        int(tech["break"]["latest_start"]),
                        int(tech["break"]["duration"]),
                    ),
                )
                if tech.get("break")
                else ()
            ),
        )
        for tech in day["technicians"]
    )
    tasks = tuple(
        Task(
            id=job["id"],
            location=tuple(job["location"]),  # type: ignore[arg-type]
            duration=int(job["duration"]),
            skills=frozenset(job["skills"]),
            window=(int(job["window"][0]), int(job["window"][1])),
            priority=PRIORITY[job["priority"]],
            pinned_to=job.get("pinned_to"),
        )
        for job in day["jobs"]
    )
    return Problem(resources=resources, tasks=tasks, travel=travel)


def plan_json(plan: Plan, seconds: float) -> dict[str, Any]:
    """The README's plan format: jobs in visit order with their start, and each break."""
    return {
        "seconds": round(seconds, 3),
        "routes": {
            route.resource_id: [{"job": v.task_id, "start": v.start} for v in route.visits]
            for route in plan.routes
            if route.visits
        },
        "breaks": {
            route.resource_id: route.break_starts[0]
            for route in plan.routes
            if route.visits and route.break_starts
        },
    }
