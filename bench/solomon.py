"""Solomon VRPTW through the product's day planner, measured against best-known solutions.

Usage (from the repository root, with the venv):

    python -m bench.solomon INSTANCE.vrp --seconds S
        one JSON line: instance, vehicles, distance, seconds, routes (customers 1..N)
    python -m bench.solomon --all DIR --seconds S
        a table per instance (vehicles, distance, BKS, gap %, feasible), the mean gap
        and the mean per class (C1, C2, R1, R2, RC1, RC2)

Each instance becomes a day: customers are tasks (window on the start of service,
service time as duration, demand), the VEHICLES limit are technicians starting and
ending at the depot within its window, travel is :class:`PlanarTravel` (DIMACS:
Euclidean truncated to one decimal, kept as integer tenths). The planner's answer
is re-checked here independently (windows, capacity, depot closing, every
customer once) and its distance recomputed from the routes, not taken from it.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import re
import statistics
import sys
import time
from pathlib import Path

from bench.machine import describe
from bench.vrplib_read import Instance, read, read_solution_cost
from dala_scheduling.planning.planner import plan
from dala_scheduling.planning.problem import Problem, Resource, Task
from dala_scheduling.planning.travel import PlanarTravel

SCALE = 10


def to_problem(inst: Instance) -> Problem:
    depot = inst.coords[0]
    open_, close = inst.windows[0]
    tasks = tuple(
        Task(
            id=str(c),
            location=inst.coords[c],
            duration=inst.service[c] * SCALE,
            window=(inst.windows[c][0] * SCALE, inst.windows[c][1] * SCALE),
            demand=inst.demand[c],
        )
        for c in range(1, len(inst.coords))
    )
    resources = tuple(
        Resource(
            id=f"V{k + 1:02d}",
            start_location=depot,
            end_location=depot,
            shift_start=open_ * SCALE,
            shift_end=close * SCALE,
            capacity=inst.capacity,
        )
        for k in range(inst.vehicles)
    )
    return Problem(resources=resources, tasks=tasks, travel=PlanarTravel(SCALE))


def _tenths(a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.floor(math.hypot(a[0] - b[0], a[1] - b[1]) * SCALE)


def distance(inst: Instance, routes: list[list[int]]) -> float:
    total = 0
    for route in routes:
        stops = [0, *route, 0]
        total += sum(_tenths(inst.coords[a], inst.coords[b]) for a, b in itertools.pairwise(stops))
    return total / SCALE


def check(inst: Instance, routes: list[list[int]]) -> list[str]:
    """Everything the routes break: windows, capacity, depot closing, customers missed/twice."""
    problems: list[str] = []
    seen = [c for route in routes for c in route]
    customers = set(range(1, len(inst.coords)))
    if sorted(seen) != sorted(customers):
        problems.append("customers missing or visited twice")
    if len(routes) > inst.vehicles:
        problems.append(f"{len(routes)} routes > {inst.vehicles} vehicles")
    close = inst.windows[0][1] * SCALE
    for k, route in enumerate(routes):
        if sum(inst.demand[c] for c in route) > inst.capacity:
            problems.append(f"route {k + 1}: over capacity")
        t = inst.windows[0][0] * SCALE
        where = 0
        for c in route:
            t += _tenths(inst.coords[where], inst.coords[c])
            start = max(t, inst.windows[c][0] * SCALE)
            if start > inst.windows[c][1] * SCALE:
                problems.append(f"route {k + 1}: customer {c} late")
            t = start + inst.service[c] * SCALE
            where = c
        if t + _tenths(inst.coords[where], inst.coords[0]) > close:
            problems.append(f"route {k + 1}: back after the depot closes")
    return problems


def solve(path: Path, seconds: float) -> dict[str, object]:
    inst = read(path)
    problem = to_problem(inst)
    started = time.perf_counter()
    result = plan(problem, seconds=seconds)
    wall = time.perf_counter() - started
    routes = [[int(v.task_id) for v in route.visits] for route in result.routes if route.visits]
    return {
        "instance": inst.name,
        "vehicles": len(routes),
        "distance": round(distance(inst, routes), 1),
        "seconds": round(wall, 2),
        "routes": routes,
        "_violations": check(inst, routes),
        "_engine": result.engine,
    }


def _bks(directory: Path) -> dict[str, float]:
    table: dict[str, float] = {}
    csv_path = directory / "bks.csv"
    if csv_path.exists():
        with csv_path.open() as handle:
            for row in csv.DictReader(handle):
                table[row["instance"]] = float(row["dimacs_distance"])
    for sol in directory.glob("*.sol"):
        if sol.stem not in table and (cost := read_solution_cost(sol)) is not None:
            table[sol.stem] = cost
    return table


def _class(name: str) -> str:
    match = re.match(r"([A-Z]+)(\d)", name)
    return f"{match.group(1)}{match.group(2)}" if match else name


def run_all(directory: Path, seconds: float) -> None:
    bks = _bks(directory)
    print(describe())
    print(f"Solomon through planner.plan, {seconds:g} s per instance")
    print(f"{'instance':<8} {'veh':>4} {'distance':>9} {'BKS':>9} {'gap %':>7} {'s':>6}  feasible")
    gaps: dict[str, list[float]] = {}
    infeasible = 0
    for path in sorted(directory.glob("*.vrp")):
        out = solve(path, seconds)
        name = str(out["instance"])
        dist = float(out["distance"])  # type: ignore[arg-type]
        best = bks.get(name)
        gap = (dist - best) / best * 100 if best else float("nan")
        ok = not out["_violations"]
        infeasible += not ok
        if best and ok:
            gaps.setdefault(_class(name), []).append(gap)
        print(
            f"{name:<8} {out['vehicles']:>4} {dist:>9.1f} {best or 0:>9.1f} {gap:>7.2f} "
            f"{out['seconds']:>6}  {'yes' if ok else out['_violations']}",
            flush=True,
        )
    every = [g for values in gaps.values() for g in values]
    print(
        f"mean gap: {statistics.fmean(every):.2f} % over {len(every)} feasible instances"
        f" ({infeasible} infeasible)"
    )
    print(
        "by class: "
        + ", ".join(
            f"{cls} {statistics.fmean(values):.2f} %" for cls, values in sorted(gaps.items())
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", nargs="?", type=Path)
    parser.add_argument("--all", type=Path, metavar="DIR")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    if args.all:
        run_all(args.all, args.seconds)
        return 0
    if args.instance is None:
        parser.error("give an instance file or --all DIR")
    out = solve(args.instance, args.seconds)
    if out["_violations"]:
        print(f"infeasible: {out['_violations']}", file=sys.stderr)
    print(json.dumps({k: v for k, v in out.items() if not k.startswith("_")}))
    return 0 if not out["_violations"] else 1


if __name__ == "__main__":
    sys.exit(main())
