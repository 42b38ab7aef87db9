"""An independent checker for a plan of the fsm_day benchmark day.

It reads the raw day JSON and a plan in the README's format and recomputes
travel from the README's model itself (haversine, R = 6,371,000 m, x1.3,
8.33 m/s, truncated to whole seconds) — it deliberately imports nothing from the
planner, so a bug there cannot hide here.

Checks: every job known and placed once; skills; pins; service starts within
the window; the technician leaves the start location no earlier than the shift
start and is home by the shift end; the break of every working technician starts
within its window, lasts its duration and never overlaps a job (it may
interrupt travel); no two jobs overlap and every leg's travel fits between them.

    python -m bench.fsm_check DAY.json PLAN.json
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from typing import Any


def travel_seconds(a: list[float], b: list[float], model: dict[str, Any]) -> int:
    radius = float(model.get("earth_radius_m", 6371000))
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    metres = 2 * radius * math.asin(math.sqrt(min(1.0, h))) * float(model["detour_factor"])
    return math.floor(metres / float(model["speed_m_per_s"]))


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    placed: int = 0
    emergencies_placed: int = 0
    emergencies: int = 0
    travel_seconds: int = 0


def check(day: dict[str, Any], plan: dict[str, Any]) -> Report:
    model = day["travel"]
    jobs = {job["id"]: job for job in day["jobs"]}
    techs = {tech["id"]: tech for tech in day["technicians"]}
    report = Report(emergencies=sum(1 for j in jobs.values() if j["priority"] == "emergency"))
    bad = report.violations
    seen: set[str] = set()
    for tid, stops in plan.get("routes", {}).items():
        tech = techs.get(tid)
        if tech is None:
            bad.append(f"unknown technician {tid}")
            continue
        if not stops:
            continue
        shift_start, shift_end = tech["shift"]
        brk = tech.get("break")
        break_start = plan.get("breaks", {}).get(tid)
        if brk is not None and break_start is None:
            bad.append(f"{tid}: working but no break")
        if (
            brk is not None
            and break_start is not None
            and not brk["earliest_start"] <= break_start <= brk["latest_start"]
        ):
            bad.append(f"{tid}: break at {break_start} outside its window")
        where = tech["start_location"]
        free = shift_start
        break_done = brk is None or break_start is None
        for stop in stops:
            job = jobs.get(stop["job"])
            if job is None:
                bad.append(f"{tid}: unknown job {stop['job']}")
                continue
            if job["id"] in seen:
                bad.append(f"{job['id']} placed twice")
            seen.add(job["id"])
            start = int(stop["start"])
            end = start + int(job["duration"])
            if not set(job["skills"]) <= set(tech["skills"]):
                bad.append(f"{job['id']}: {tid} lacks skills")
            if job.get("pinned_to") and job["pinned_to"] != tid:
                bad.append(f"{job['id']}: pinned to {job['pinned_to']}, done by {tid}")
            low, high = job["window"]
            if not low <= start <= high:
                bad.append(f"{job['id']}: starts {start} outside window {low}-{high}")
            need = travel_seconds(where, job["location"], model)
            if not break_done and break_start is not None and break_start < start:
                # The break falls in this gap: it must fit between the jobs as well.
                assert brk is not None
                if break_start < free:
                    bad.append(f"{tid}: break at {break_start} overlaps a job")
                if break_start + brk["duration"] > start:
                    bad.append(f"{tid}: break runs into {job['id']}")
                need += brk["duration"]
                break_done = True
            if start < free + need:
                bad.append(f"{job['id']}: starts {start}, cannot be there before {free + need}")
            report.travel_seconds += travel_seconds(where, job["location"], model)
            where = job["location"]
            free = end
            if job["priority"] == "emergency":
                report.emergencies_placed += 1
        home = travel_seconds(where, tech["home"], model)
        report.travel_seconds += home
        back = free + home
        if not break_done and break_start is not None and brk is not None:
            if break_start < free:
                bad.append(f"{tid}: break at {break_start} overlaps a job")
            back = max(back + brk["duration"], break_start + brk["duration"])
        if back > shift_end:
            bad.append(f"{tid}: home at {back} after shift end {shift_end}")
        first_job = jobs.get(stops[0]["job"])
        if first_job is not None and int(stops[0]["start"]) < shift_start:
            bad.append(f"{tid}: first job before the shift starts")
    report.placed = len(seen)
    return report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with open(args[0]) as day_file, open(args[1]) as plan_file:
        day = json.load(day_file)
        plan = json.loads(plan_file.read().strip().splitlines()[-1])
    report = check(day, plan)
    print(
        f"placed {report.placed}/{len(day['jobs'])}, emergencies "
        f"{report.emergencies_placed}/{report.emergencies}, travel "
        f"{report.travel_seconds / 3600:.1f} h, violations {len(report.violations)}"
    )
    for line in report.violations:
        print("  " + line)
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
