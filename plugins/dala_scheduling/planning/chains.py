"""Placing the tasks left out by ejection chains, on constant-time splice checks.

A task that fits nowhere often fits once one task of a route moves to another
route — or once that one, in turn, pushes a third task elsewhere. This module
searches those chains (depth one, then two) and, failing that, swaps a less
important task out, always keeping every route feasible. Feasibility comes from
:mod:`slack`, so a candidate costs microseconds rather than a route walk.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from .indexed import Indexed
from .slack import INF, RouteSlack, Slack
from .weights import rank

Routes = dict[int, list[int]]


class Chains:
    """Routes with their slack, and the moves that place more tasks."""

    def __init__(self, ix: Indexed, routes: Routes) -> None:
        self.ix = ix
        self.slack = Slack(ix)
        self.routes = routes
        self.state: dict[int, RouteSlack] = {}
        # Slack of a route with one task taken out: (route, position) -> slack.
        self._without: dict[tuple[int, int], RouteSlack] = {}
        for r in range(len(ix.resources)):
            self._set(r, routes.get(r, []))

    def _set(self, r: int, seq: list[int]) -> None:
        self.routes[r] = seq
        self.state[r] = self.slack.build(r, seq)
        for key in [key for key in self._without if key[0] == r]:
            del self._without[key]

    def _removed(self, r: int, i: int) -> RouteSlack:
        key = (r, i)
        found = self._without.get(key)
        if found is None:
            seq = self.routes[r]
            found = self.slack.build(r, seq[:i] + seq[i + 1 :])
            self._without[key] = found
        return found

    def cheapest(self, rs: RouteSlack, ti: int, bound: int = INF) -> tuple[int, int] | None:
        """Cheapest feasible (added travel, position) for ``ti`` in ``rs``, below ``bound``."""
        best: tuple[int, int] | None = None
        fits = self.slack.fits
        d = self.slack.d
        loc = self.slack.task_loc[ti]
        locs = rs.locs
        for k in range(len(rs.seq) + 1):
            a, b = locs[k], locs[k + 1]
            cost = d[a][loc] + d[loc][b] - d[a][b]
            if cost < bound and fits(rs, k, (ti,), k + 1):
                bound = cost
                best = (cost, k)
        return best

    def best_insertion(
        self,
        ti: int,
        skip: Iterable[int] = (),
        extra: dict[int, RouteSlack] | None = None,
        bound: int = INF,
    ) -> tuple[int, int, int] | None:
        """Cheapest (added travel, route, position) over every route that may do ``ti``,
        if any costs less than ``bound``."""
        best: tuple[int, int, int] | None = None
        skipped = set(skip)
        for r in self.ix.eligible[ti]:
            if r in skipped:
                continue
            rs = extra[r] if extra and r in extra else self.state[r]
            found = self.cheapest(rs, ti, bound)
            if found is not None:
                best = (found[0], r, found[1])
                bound = found[0]
        return best

    def insert(self, pending: Iterable[int], deadline: float) -> list[int]:
        """Cheapest insertion, most important first; returns what found no place."""
        left: list[int] = []
        for ti in sorted(pending, key=lambda t: rank(self.ix.tasks[t]), reverse=True):
            found = None if time.monotonic() > deadline else self.best_insertion(ti)
            if found is None:
                left.append(ti)
                continue
            _, r, k = found
            seq = self.routes[r]
            self._set(r, [*seq[:k], ti, *seq[k:]])
        return left

    def place(self, pending: list[int], deadline: float) -> list[int]:
        """Chains of depth one then two for each pending task, most important first;
        then a swap for a less important task. Returns what is still left out."""
        queue = sorted(pending, key=lambda t: rank(self.ix.tasks[t]), reverse=True)
        left: list[int] = []
        while queue:
            ti = queue.pop(0)
            if time.monotonic() > deadline or not self._place_one(ti, left, deadline):
                left.append(ti)
        return left

    def _place_one(self, ti: int, left: list[int], deadline: float) -> bool:
        worth = rank(self.ix.tasks[ti])
        # (route, position of the task taken out, its slack with ``ti`` in, insert position)
        candidates: list[tuple[int, int, int]] = []
        swap: tuple[tuple[int, int], int, int, int] | None = None
        for r in self.ix.eligible[ti]:
            if time.monotonic() > deadline:
                return False
            for i, out in enumerate(self.routes[r]):
                rs = self._removed(r, i)
                found = self.cheapest(rs, ti)
                if found is None:
                    continue
                k = found[1]
                with_ti = self._with(rs, ti, k)
                moved = self.best_insertion(out, skip=(r,))
                if moved is not None:
                    self._commit(r, with_ti)
                    _, r2, k2 = moved
                    seq2 = self.routes[r2]
                    self._set(r2, [*seq2[:k2], out, *seq2[k2:]])
                    return True
                candidates.append((r, i, k))
                out_rank = rank(self.ix.tasks[out])
                if out_rank < worth and (swap is None or out_rank < swap[0]):
                    swap = (out_rank, r, i, k)
        for r, i, k in candidates:
            if self._depth_two(ti, r, i, k, deadline):
                return True
        if self._two_out(ti, deadline):
            return True
        if swap is None:
            return False
        _, r, i, k = swap
        out = self.routes[r][i]
        self._commit(r, self._with(self._removed(r, i), ti, k))
        # The swapped-out task may still fit elsewhere later on.
        left.append(out)
        return True

    def _with(self, rs: RouteSlack, ti: int, k: int) -> list[int]:
        return [*rs.seq[:k], ti, *rs.seq[k:]]

    def _commit(self, r: int, seq: list[int]) -> None:
        self._set(r, seq)

    def _depth_two(self, ti: int, r: int, i: int, k: int, deadline: float) -> bool:
        """``ti`` into ``r`` in place of its ``i``-th task, which takes the place of a
        task of another route, which goes to a third route (or back into ``r``)."""
        out = self.routes[r][i]
        new_r = self.slack.build(r, self._with(self._removed(r, i), ti, k))
        for r2 in self.ix.eligible[out]:
            if r2 == r:
                continue
            if time.monotonic() > deadline:
                return False
            for j, y in enumerate(self.routes[r2]):
                rs2 = self._removed(r2, j)
                found = self.cheapest(rs2, out)
                if found is None:
                    continue
                moved = self.best_insertion(y, skip=(r2,), extra={r: new_r})
                if moved is None:
                    continue
                seq2 = self._with(rs2, out, found[1])
                self._commit(r, new_r.seq)
                self._commit(r2, seq2)
                _, r3, k3 = moved
                seq3 = self.routes[r3]
                self._set(r3, [*seq3[:k3], y, *seq3[k3:]])
                return True
        return False

    def relocate(self, deadline: float) -> bool:
        """Move single tasks to where they add less travel, within or between routes;
        whether anything moved."""
        d = self.slack.d
        moved_any = False
        improved = True
        while improved and time.monotonic() < deadline:
            improved = False
            for r in range(len(self.ix.resources)):
                i = 0
                while i < len(self.routes[r]):
                    if time.monotonic() > deadline:
                        return moved_any
                    rs = self.state[r]
                    a, ti, b = rs.locs[i], rs.locs[i + 1], rs.locs[i + 2]
                    saving = d[a][ti] + d[ti][b] - d[a][b]
                    task = self.routes[r][i]
                    without = self._removed(r, i)
                    found = self.best_insertion(task, extra={r: without}, bound=saving)
                    if found is not None:
                        _, r2, k2 = found
                        if r2 == r:
                            self._set(r, self._with(without, task, k2))
                        else:
                            self._set(r, without.seq)
                            seq2 = self.routes[r2]
                            self._set(r2, [*seq2[:k2], task, *seq2[k2:]])
                        improved = moved_any = True
                    i += 1
        return moved_any

    def exchange(self, deadline: float) -> bool:
        """Swap two tasks of different routes where that cuts travel; whether any swapped."""
        d = self.slack.d
        fits = self.slack.fits
        eligible = [set(e) for e in self.ix.eligible]
        swapped = False
        n_res = len(self.ix.resources)
        for r1 in range(n_res):
            for r2 in range(r1 + 1, n_res):
                i = 0
                while i < len(self.routes[r1]):
                    if time.monotonic() > deadline:
                        return swapped
                    a = self.routes[r1][i]
                    if r2 not in eligible[a]:
                        i += 1
                        continue
                    rs1 = self.state[r1]
                    p1, a_loc, n1 = rs1.locs[i], rs1.locs[i + 1], rs1.locs[i + 2]
                    out1 = d[p1][a_loc] + d[a_loc][n1]
                    for j, b in enumerate(self.routes[r2]):
                        if r1 not in eligible[b]:
                            continue
                        rs2 = self.state[r2]
                        p2, b_loc, n2 = rs2.locs[j], rs2.locs[j + 1], rs2.locs[j + 2]
                        delta = (
                            d[p1][b_loc]
                            + d[b_loc][n1]
                            + d[p2][a_loc]
                            + d[a_loc][n2]
                            - out1
                            - d[p2][b_loc]
                            - d[b_loc][n2]
                        )
                        if delta < 0 and fits(rs1, i, (b,), i + 2) and fits(rs2, j, (a,), j + 2):
                            seq1, seq2 = self.routes[r1], self.routes[r2]
                            self._set(r1, [*seq1[:i], b, *seq1[i + 1 :]])
                            self._set(r2, [*seq2[:j], a, *seq2[j + 1 :]])
                            swapped = True
                            break
                    i += 1
        return swapped

    def _two_out(self, ti: int, deadline: float) -> bool:
        """``ti`` into a route in place of two of its tasks, each of which finds a
        place in another route (what frees a long enough gap for a pinned task)."""
        for r in self.ix.eligible[ti]:
            seq = self.routes[r]
            for i in range(len(seq)):
                if time.monotonic() > deadline:
                    return False
                # Neighbours only: two tasks far apart in the day free no common gap.
                for j in range(i + 1, min(len(seq), i + 3)):
                    rest = seq[:i] + seq[i + 1 : j] + seq[j + 1 :]
                    rs = self.slack.build(r, rest)
                    found = self.cheapest(rs, ti)
                    if found is None:
                        continue
                    first, second = seq[i], seq[j]
                    moved = self.best_insertion(first, skip=(r,))
                    if moved is None:
                        continue
                    _, r1, k1 = moved
                    seq1 = self.routes[r1]
                    self._set(r1, [*seq1[:k1], first, *seq1[k1:]])
                    again = self.best_insertion(second, skip=(r,))
                    if again is None:
                        self._set(r1, seq1)
                        continue
                    _, r2, k2 = again
                    seq2 = self.routes[r2]
                    self._set(r2, [*seq2[:k2], second, *seq2[k2:]])
                    self._set(r, self._with(rs, ti, found[1]))
                    return True
        return False
