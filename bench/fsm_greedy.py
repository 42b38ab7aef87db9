"""The baseline for the fsm_day benchmark: send the nearest free technician.

Jobs in order of their window's opening (emergencies first among equals); each
goes to the eligible technician who can reach it soonest from where they are,
appended to their day, if they can still start it in its window, take their
break and be home by the end of the shift. No planning ahead, no reordering.
Uses the day JSON and the checker's travel function only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bench.fsm_check import travel_seconds

_RANK = {"emergency": 0, "high": 1, "normal": 2, "low": 3}


@dataclass
class _Tech:
    data: dict[str, Any]
    where: list[float]
    free: int
    break_at: int | None = None
    stops: list[dict[str, Any]] = field(default_factory=list)


def _try(
    tech: _Tech, job: dict[str, Any], model: dict[str, Any]
) -> tuple[int, int, int | None] | None:
    """(travel, start, break start if taken on the way) when appending ``job`` works."""
    travel = travel_seconds(tech.where, job["location"], model)
    brk = tech.data.get("break")
    low, high = job["window"]
    shift_end = tech.data["shift"][1]
    options: list[int | None] = [None]
    if brk and tech.break_at is None:
        options.append(max(tech.free, brk["earliest_start"]))
    for taken in options:
        ready = tech.free + travel
        if taken is not None:
            if taken > brk["latest_start"]:
                continue
            ready = max(ready + brk["duration"], taken + brk["duration"])
        start = max(ready, low)
        if start > high:
            continue
        end = start + job["duration"]
        home = end + travel_seconds(job["location"], tech.data["home"], model)
        if brk and tech.break_at is None and taken is None:
            # The break must still fit after this job.
            if max(end, brk["earliest_start"]) > brk["latest_start"]:
                continue
            home = max(home + brk["duration"], brk["earliest_start"] + brk["duration"])
        if home > shift_end:
            continue
        return travel, start, taken
    return None


def greedy(day: dict[str, Any]) -> dict[str, Any]:
    model = day["travel"]
    techs = [_Tech(t, t["start_location"], t["shift"][0]) for t in day["technicians"]]
    jobs = sorted(day["jobs"], key=lambda j: (j["window"][0], _RANK[j["priority"]], j["id"]))
    for job in jobs:
        best: tuple[int, _Tech, int, int | None] | None = None
        for tech in techs:
            if not set(job["skills"]) <= set(tech.data["skills"]):
                continue
            if job.get("pinned_to") and job["pinned_to"] != tech.data["id"]:
                continue
            found = _try(tech, job, model)
            if found is not None and (best is None or found[0] < best[0]):
                best = (found[0], tech, found[1], found[2])
        if best is None:
            continue
        _, tech, start, taken = best
        if taken is not None:
            tech.break_at = taken
        tech.stops.append({"job": job["id"], "start": start})
        tech.where = job["location"]
        tech.free = start + job["duration"]
    for tech in techs:
        brk = tech.data.get("break")
        if tech.stops and brk and tech.break_at is None:
            tech.break_at = max(tech.free, brk["earliest_start"])
    return {
        "routes": {t.data["id"]: t.stops for t in techs if t.stops},
        "breaks": {t.data["id"]: t.break_at for t in techs if t.stops and t.break_at is not None},
    }
