"""The constant-time splice check agrees with walking the whole route, on random days."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dala_scheduling.planning.chains import Chains
from dala_scheduling.planning.indexed import index
from dala_scheduling.planning.problem import Break, Problem, Resource, Task
from dala_scheduling.planning.slack import Slack
from dala_scheduling.planning.timing import feasible
from dala_scheduling.planning.travel import PlanarTravel

point = st.tuples(st.integers(0, 40), st.integers(0, 40))


@st.composite
def splices(draw: st.DrawFn) -> tuple[Problem, list[int], int, list[int], int]:
    start = draw(st.integers(0, 60))
    end = start + draw(st.integers(100, 400))
    lunch: tuple[Break, ...] = ()
    if draw(st.booleans()):
        earliest = start + draw(st.integers(0, 150))
        lunch = (Break(earliest, earliest + draw(st.integers(0, 80)), draw(st.integers(1, 40))),)
    blocked = ((start + 90, start + 110),) if draw(st.booleans()) else ()
    home = draw(point)
    resource = Resource(
        "R0",
        draw(point) if draw(st.booleans()) else home,
        home,
        start,
        end,
        breaks=lunch,
        blocked=blocked,
        capacity=draw(st.sampled_from([0, 0, 5])),
    )
    tasks = []
    for i in range(draw(st.integers(1, 8))):
        opens = draw(st.integers(0, 300))
        window = (opens, opens + draw(st.integers(0, 150))) if draw(st.booleans()) else None
        tasks.append(
            Task(f"T{i}", draw(point), draw(st.integers(1, 50)), window=window, demand=i % 3)
        )
    problem = Problem((resource,), tuple(tasks), PlanarTravel(1))
    order = draw(st.permutations(range(len(tasks))))
    split = draw(st.integers(0, len(order)))
    seq, others = list(order[:split]), list(order[split:])
    k = draw(st.integers(0, len(seq)))
    j = draw(st.integers(k + 1, len(seq) + 1))
    middle = others[: draw(st.integers(0, min(2, len(others))))]
    return problem, seq, k, middle, j


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(splices())
def test_splice_check_matches_the_route_walk(
    case: tuple[Problem, list[int], int, list[int], int],
) -> None:
    problem, seq, k, middle, j = case
    ix = index(problem)
    slack = Slack(ix)
    route = slack.build(0, seq)
    assert route.ok == feasible(ix, 0, seq)
    spliced = [*seq[:k], *middle, *seq[j - 1 :]]
    assert slack.fits(route, k, middle, j) == feasible(ix, 0, spliced)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(splices())
def test_chains_keep_every_route_feasible(
    case: tuple[Problem, list[int], int, list[int], int],
) -> None:
    problem, seq, _, _, _ = case
    ix = index(problem)
    if not feasible(ix, 0, seq):
        seq = []
    # A day whose shift cannot even hold its blocked span has nothing to keep feasible.
    assume(feasible(ix, 0, seq))
    routes = {0: list(seq)}
    chains = Chains(ix, routes)
    pending = [t for t in range(len(ix.tasks)) if t not in seq]
    left = chains.place(chains.insert(pending, 1e18), 1e18)
    chains.relocate(1e18)
    assert feasible(ix, 0, routes[0])
    assert sorted(routes[0] + left) == list(range(len(ix.tasks)))
