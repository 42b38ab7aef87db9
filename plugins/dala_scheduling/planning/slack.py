"""Constant-time feasibility for splicing tasks into a route: forward and backward slack.

:func:`timing.feasible` walks a whole route (a small programme over the breaks)
for every candidate — fine for a few thousand checks, far too slow for the
hundreds of thousands an ejection search asks. Here each route keeps, per stop
and per "break taken yet?" state, the earliest time it can be done there
(forward) and the latest time it may be done there so that the rest of the
route still works (backward). Whether ``prefix + middle + suffix`` works is
then one short forward walk over ``middle`` and a comparison.

Exact for routes with at most one pause (a break or a blocked span), which is
every technician of a field-service day; routes with more pauses fall back to
:func:`timing.feasible`. Same semantics as :mod:`timing`: service starts as
early as its window allows, a break starts no earlier than its window and no
later than its latest start, may interrupt travel or fill waiting time, never a
job, and is taken before the technician is back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .indexed import Indexed
from .timing import feasible

INF = 1 << 60
NEG = -INF


@dataclass
class RouteSlack:
    """One route's sequence with its forward/backward times (stop 0 = start, last = home)."""

    r: int
    seq: list[int]
    locs: list[int]
    # Earliest end at each stop, before (0) and after (1) the pause.
    early0: list[int]
    early1: list[int]
    # Latest end at each stop for the rest of the route to work.
    late0: list[int]
    late1: list[int]
    load: int
    ok: bool


class Slack:
    """Per-problem constants and the splice checks."""

    def __init__(self, ix: Indexed) -> None:
        self.ix = ix
        self.d = ix.durations
        shift_ends = [res.shift_end for res in ix.resources]
        # Task windows default to the resource's shift end; resolved per route.
        self.opens = [t.window[0] if t.window is not None else 0 for t in ix.tasks]
        self.closes = [t.window[1] if t.window is not None else None for t in ix.tasks]
        self.service = [t.duration for t in ix.tasks]
        self.demand = [t.demand for t in ix.tasks]
        self.task_loc = ix.task_loc
        self.shift_ends = shift_ends
        self.pause: list[tuple[int, int, int] | None] = []
        self.simple: list[bool] = []
        for pauses in ix.resource_pauses:
            self.simple.append(len(pauses) <= 1)
            self.pause.append(
                (pauses[0].earliest, pauses[0].latest, pauses[0].duration)
                if len(pauses) == 1
                else None
            )

    def _window(self, r: int, ti: int) -> tuple[int, int, int]:
        close = self.closes[ti]
        return self.opens[ti], self.shift_ends[r] if close is None else close, self.service[ti]

    def build(self, r: int, seq: list[int]) -> RouteSlack:
        ix = self.ix
        res = ix.resources[r]
        d = self.d
        pause = self.pause[r]
        locs = [ix.start_loc[r], *(self.task_loc[t] for t in seq), ix.end_loc[r]]
        load = sum(self.demand[t] for t in seq)
        if pause is None:
            e0, e1 = INF, res.shift_start
        else:
            e0, e1 = res.shift_start, INF
        early0 = [e0]
        early1 = [e1]
        for k, ti in enumerate(seq):
            o, c, s = self._window(r, ti)
            e0, e1 = self._fwd(pause, e0, e1, d[locs[k]][locs[k + 1]], o, c, s)
            early0.append(e0)
            early1.append(e1)
        n = len(seq)
        l0, l1 = NEG, res.shift_end
        late0 = [0] * (n + 2)
        late1 = [0] * (n + 2)
        late0[n + 1], late1[n + 1] = l0, l1
        for k in range(n, -1, -1):
            if k == n:
                o, c, s = 0, res.shift_end, 0
            else:
                o, c, s = self._window(r, seq[k])
            l0, l1 = self._back(pause, l0, l1, d[locs[k]][locs[k + 1]], o, c, s)
            late0[k], late1[k] = l0, l1
        ok = self.simple[r] and (early0[0] <= late0[0] or early1[0] <= late1[0])
        if res.capacity > 0 and load > res.capacity:
            ok = False
        if not self.simple[r]:
            ok = feasible(ix, r, seq)
        return RouteSlack(r, list(seq), locs, early0, early1, late0, late1, load, ok)

    @staticmethod
    def _fwd(
        pause: tuple[int, int, int] | None, f0: int, f1: int, t: int, o: int, c: int, s: int
    ) -> tuple[int, int]:
        """Earliest ends at the next stop (window ``o..c``, service ``s``) after travel ``t``."""
        n0 = n1 = INF
        if f1 < INF:
            start = f1 + t
            if start < o:
                start = o
            if start <= c:
                n1 = start + s
        if f0 < INF:
            start = f0 + t
            if start < o:
                start = o
            if start <= c:
                n0 = start + s
            if pause is not None:
                eb, lb, dur = pause
                if (f0 if f0 > eb else eb) <= lb:
                    ready = f0 + t
                    if ready < eb:
                        ready = eb
                    start = ready + dur
                    if start < o:
                        start = o
                    if start <= c and start + s < n1:
                        n1 = start + s
        return n0, n1

    @staticmethod
    def _back(
        pause: tuple[int, int, int] | None, l0: int, l1: int, t: int, o: int, c: int, s: int
    ) -> tuple[int, int]:
        """Latest ends at the previous stop, given the latest ends ``l0, l1`` at the next one."""
        z1 = l1 - s
        if z1 > c:
            z1 = c
        p1 = z1 - t if z1 >= o and l1 > NEG else NEG
        z0 = l0 - s
        if z0 > c:
            z0 = c
        p0 = z0 - t if z0 >= o and l0 > NEG else NEG
        if pause is not None and p1 > NEG:
            eb, lb, dur = pause
            if eb <= lb and eb + dur <= z1:
                via = z1 - dur - t
                if via > lb:
                    via = lb
                if via > p0:
                    p0 = via
        return p0, p1

    def fits(self, rs: RouteSlack, k: int, middle: Sequence[int], j: int) -> bool:
        """Whether stops ``0..k`` of ``rs``, then ``middle``, then stops ``j..`` work."""
        r = rs.r
        res = self.ix.resources[r]
        if res.capacity > 0:
            removed = sum(self.demand[t] for t in rs.seq[k : j - 1])
            if rs.load - removed + sum(self.demand[t] for t in middle) > res.capacity:
                return False
        if not self.simple[r]:
            return feasible(self.ix, r, [*rs.seq[:k], *middle, *rs.seq[j - 1 :]])
        pause = self.pause[r]
        d = self.d
        f0, f1 = rs.early0[k], rs.early1[k]
        prev = rs.locs[k]
        fwd = self._fwd
        for ti in middle:
            loc = self.task_loc[ti]
            o, c, s = self._window(r, ti)
            f0, f1 = fwd(pause, f0, f1, d[prev][loc], o, c, s)
            if f0 >= INF and f1 >= INF:
                return False
            prev = loc
        last = len(rs.locs) - 1
        if j == last:
            o, c, s = 0, res.shift_end, 0
        else:
            o, c, s = self._window(r, rs.seq[j - 1])
        f0, f1 = fwd(pause, f0, f1, d[prev][rs.locs[j]], o, c, s)
        return f0 <= rs.late0[j] or f1 <= rs.late1[j]
