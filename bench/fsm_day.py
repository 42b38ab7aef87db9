"""A field-service day (fsm_day benchmark) through the product's planner, beside a greedy baseline.

    python -m bench.fsm_day DAY.json --seconds S

Loads the day as the product holds it (technicians with skills, shifts, a break,
five of them starting at a customer's site; jobs with skills, windows,
priorities, pins), plans it with ``planner.plan`` and with the "nearest free
technician" baseline in the same run, checks both plans with the independent
checker (``bench/fsm_check.py``), and prints a table: jobs placed, emergencies
placed, travel hours, violations, seconds, and planner/baseline ratios. The last
line is the planner's plan as JSON, in the README's format.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from bench.fsm_check import check
from bench.fsm_greedy import greedy
from bench.fsm_load import plan_json, read_day, to_problem
from bench.machine import describe
from dala_scheduling.planning.planner import plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("day")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)

    day = read_day(args.day)
    started = time.perf_counter()
    problem = to_problem(day)
    result = plan(problem, seconds=args.seconds)
    planner_seconds = time.perf_counter() - started
    ours = plan_json(result, planner_seconds)

    started = time.perf_counter()
    baseline = greedy(day)
    baseline_seconds = time.perf_counter() - started

    rows = []
    for name, answer, seconds in (
        (f"planner ({result.engine})", ours, planner_seconds),
        ("greedy nearest", baseline, baseline_seconds),
    ):
        report = check(day, answer)
        rows.append((name, report, seconds))

    print(describe())
    print(
        f"{day.get('name', args.day)}: {len(day['jobs'])} jobs, "
        f"{len(day['technicians'])} technicians, budget {args.seconds:g} s"
    )
    print(f"{'':<22} {'placed':>7} {'emerg.':>7} {'travel h':>9} {'viol.':>6} {'seconds':>8}")
    for name, report, seconds in rows:
        print(
            f"{name:<22} {report.placed:>7} "
            f"{report.emergencies_placed:>3}/{report.emergencies:<3} "
            f"{report.travel_seconds / 3600:>9.1f} {len(report.violations):>6} {seconds:>8.2f}"
        )
    (_, mine, _), (_, base, _) = rows
    print(
        f"{'ratio planner/greedy':<22} {mine.placed / max(1, base.placed):>7.3f} "
        f"{mine.emergencies_placed / max(1, base.emergencies_placed):>7.3f} "
        f"{mine.travel_seconds / max(1, base.travel_seconds):>9.3f}"
    )
    for name, report, _ in rows:
        for line in report.violations[:10]:
            print(f"  {name}: {line}")
    print(json.dumps(ours))
    return 0


if __name__ == "__main__":
    sys.exit(main())
