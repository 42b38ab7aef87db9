"""The demo's jobs, planned: what is asked for, when and by whom it is done, and which
statuses each job has gone through by "now", with the time of every step.

Planning is pure (a seeded ``random.Random`` and "now"), so the same seed and moment give
the same plan; :mod:`dala.demo.run` then carries it out with the services.
"""

# The texts are Russian: short Cyrillic words are not look-alike Latin letters.
# ruff: noqa: RUF001

from __future__ import annotations

import itertools
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dala.work.job_models import (
    JobStatus,
    Priority,
    Source,
)
from dala.work.jobs import SYSTEM, Actor

from .catalogue import JobKind

S = JobStatus
PAST_DAYS, FUTURE_DAYS = 14, 7
TRAVEL = timedelta(minutes=30)  # between two jobs of one technician
STEP = timedelta(minutes=30)  # jobs start on the half hour
MINUTE = timedelta(minutes=1)

HOLD_PARTS = (
    "Ожидание запчасти: компрессор",
    "Нужна плата управления, заказана у поставщика",
    "Ожидаем фреон R32",
    "Нужен доступ на крышу, ждём управляющую компанию",
)
HOLD_CLIENT = (
    "Клиент попросил перенести, уточнит дату",
    "Клиент в отъезде до конца недели",
    "Ждём подтверждения оплаты",
)
CANCEL_OFFICE = (
    "Клиент отменил заявку",
    "Неисправность устранилась, клиент отказался",
    "Дубль заявки",
    "Клиент выбрал другую компанию",
)
CANCEL_FIELD = "Клиента нет на месте, телефон не отвечает"
RECALL = "Перенос по просьбе клиента"
TURN_BACK = "Вернулся на склад за запчастью"
REOPEN = "Клиент перезвонил, неисправность повторилась"


# The steps technicians take from the field; the office takes every other one.
FIELD_STEPS = frozenset(
    {
        (S.DISPATCHED, S.EN_ROUTE),
        (S.EN_ROUTE, S.ON_SITE),
        (S.EN_ROUTE, S.DISPATCHED),
        (S.ON_SITE, S.COMPLETED),
        (S.ON_SITE, S.ON_HOLD),
    }
)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass
class Crew:
    """A technician as the planner sees them: skills, hours, days off and the jobs taken."""

    id: uuid.UUID
    user_id: uuid.UUID
    branch: str
    skills: dict[str, int]
    hours: dict[int, list[tuple[time, time]]]
    away: list[tuple[datetime, datetime]]
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    per_day: dict[date, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        technician_id: uuid.UUID,
        user_id: uuid.UUID,
        branch: str,
        skills: dict[str, int],
        working_hours: list[dict[str, object]],
        away: list[tuple[datetime, datetime]],
    ) -> Crew:
        hours: dict[int, list[tuple[time, time]]] = {}
        for h in working_hours:
            weekday = int(str(h["weekday"]))
            hours.setdefault(weekday, []).append((_clock(str(h["start"])), _clock(str(h["end"]))))
        return cls(technician_id, user_id, branch, skills, hours, away)

    def qualified(self, kind: JobKind) -> bool:
        return all(self.skills.get(skill, 0) >= level for skill, level in kind.skills)

    def free(self, start: datetime, end: datetime) -> bool:
        if any(start < e and s < end for s, e in self.away):
            return False
        return not any(start < e + TRAVEL and s - TRAVEL < end for s, e in self.busy)

    def slot(
        self, day: date, minutes: int, tz: ZoneInfo
    ) -> tuple[datetime, datetime, datetime, datetime] | None:
        """The first free start that day: (start, end) and the working interval holding it."""
        length = timedelta(minutes=minutes)
        for a, b in self.hours.get(day.weekday(), []):
            opens = datetime.combine(day, a, tz).astimezone(UTC)
            closes = datetime.combine(day, b, tz).astimezone(UTC)
            start = opens
            while start + length <= closes:
                if self.free(start, start + length):
                    return start, start + length, opens, closes
                start += STEP
        return None

    def take(self, start: datetime, end: datetime, day: date) -> None:
        self.busy.append((start, end))
        self.per_day[day] = self.per_day.get(day, 0) + 1


@dataclass(frozen=True)
class Client:
    customer_id: uuid.UUID
    site_ids: tuple[uuid.UUID, ...]
    company: bool
    contract: bool  # a maintenance contract: its service visits are created by the system


@dataclass
class Plan:
    """One job to be: what, where, when, who, and the statuses it goes through."""

    branch: str
    client: Client
    site_id: uuid.UUID
    kind: JobKind
    job_type_id: uuid.UUID
    priority: Priority
    description: str
    minutes: int
    day: date
    live: JobStatus | None = None
    start: datetime | None = None
    end: datetime | None = None
    window: tuple[datetime, datetime] | None = None
    crew: list[Crew] = field(default_factory=list)
    path: list[JobStatus] = field(default_factory=list)
    reasons: list[str | None] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    creator: Actor = SYSTEM
    ticks: int = 0  # checklist items ticked (all when completed)


@dataclass
class World:
    """What planning needs to know about the company."""

    now: datetime
    tz: dict[str, ZoneInfo]
    clients: dict[str, list[Client]]
    crews: dict[str, list[Crew]]
    kinds: dict[str, tuple[JobKind, uuid.UUID]]
    dispatchers: dict[str, uuid.UUID]

    def today(self, branch: str) -> date:
        return self.now.astimezone(self.tz[branch]).date()


def _round(moment: datetime, minutes: int = 5) -> datetime:
    moment = moment.replace(second=0, microsecond=0)
    return moment - timedelta(minutes=moment.minute % minutes)


class Planner:
    """Turns requests into jobs placed in the technicians' days, with their history."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.w = world
        self.rng = rng
        self.next_day: dict[str, date] = {}  # per branch: the next day with planned work

    # --- what is asked for ------------------------------------------------------------------

    def _request(self, branch: str, day: date, kinds: list[JobKind]) -> Plan:
        rng = self.rng
        clients = self.w.clients[branch]
        client = rng.choices(clients, weights=[3 if c.company else 1 for c in clients])[0]
        kind = rng.choices(kinds, weights=[k.weight for k in kinds])[0]
        r = rng.random()
        if kind.urgent and r < 0.07:
            priority = Priority.EMERGENCY
        elif r < 0.22:
            priority = Priority.HIGH
        elif r < 0.34:
            priority = Priority.LOW
        else:
            priority = Priority.NORMAL
        description = rng.choice(
            kind.emergencies if priority == Priority.EMERGENCY else kind.problems
        )
        minutes = kind.minutes
        if kind.key == "ac_service" and rng.random() < 0.25:
            minutes, description = 90, f"{description}; 2 блока"
        job_type_id = self.w.kinds[kind.key][1]
        site_id = rng.choice(client.site_ids)
        return Plan(branch, client, site_id, kind, job_type_id, priority, description, minutes, day)

    def requests(self, total: int) -> list[Plan]:
        """``total`` jobs over the past two weeks and the next one, 3 of 5 in Almaty."""
        rng = self.rng
        kinds = [k for k, _id in self.w.kinds.values()]
        urgent = [k for k in kinds if k.urgent]
        plans = []
        # Two jobs per branch happen right now: one technician on site, one on the way.
        for branch in self.w.crews:
            for live in (S.ON_SITE, S.EN_ROUTE):
                plan = self._request(branch, self.w.today(branch), urgent)
                plan.live = live
                plans.append(plan)
        offsets = list(range(-PAST_DAYS, FUTURE_DAYS + 1))
        for _ in range(total - len(plans)):
            branch = "almaty" if rng.random() < 0.6 else "astana"
            today = self.w.today(branch)
            weights = []
            for offset in offsets:
                weekday = (today + timedelta(days=offset)).weekday()
                weight = 0.0 if weekday == 6 else 0.35 if weekday == 5 else 1.0
                if offset > 0:  # the coming days are still being booked
                    weight *= 1.0 - 0.08 * offset
                weights.append(weight)
            offset = rng.choices(offsets, weights=weights)[0]
            plans.append(self._request(branch, today + timedelta(days=offset), kinds))
        return plans

    # --- when and by whom -------------------------------------------------------------------

    def _candidates(self, plan: Plan, day: date, skilled: bool) -> list[Crew]:
        crews = [c for c in self.w.crews[plan.branch] if c.qualified(plan.kind) == skilled]
        order = {c.id: self.rng.random() for c in crews}
        return sorted(crews, key=lambda c: (c.per_day.get(day, 0), order[c.id]))

    def _place_live(self, plan: Plan) -> None:
        now, tz = self.w.now, self.w.tz[plan.branch]
        length = timedelta(minutes=plan.minutes)
        if plan.live == S.ON_SITE:
            start = _round(now) - timedelta(minutes=5 * self.rng.randint(3, 9))
            hold = (start - TRAVEL, start + length)
        else:
            start = _round(now) + timedelta(minutes=5 * self.rng.randint(5, 8))
            hold = (now - timedelta(hours=1), start + length)  # on the way since then
        day = start.astimezone(tz).date()
        crews = [c for c in self.w.crews[plan.branch] if c.free(*hold)]
        skilled = [c for c in crews if c.qualified(plan.kind)]
        crew = self.rng.choice(skilled or crews or self.w.crews[plan.branch])
        crew.take(*hold, day)
        plan.start, plan.end, plan.crew = start, start + length, [crew]
        local_start, local_end = start.astimezone(tz), (start + length).astimezone(tz)
        in_hours = any(
            a <= local_start.time() and local_end.time() <= b and local_end.date() == day
            for a, b in crew.hours.get(day.weekday(), [])
        )
        if not in_hours:  # out of hours only emergencies are worked
            plan.priority = Priority.EMERGENCY
            plan.description = self.rng.choice(plan.kind.emergencies)

    def _place(self, plan: Plan) -> bool:
        tz = self.w.tz[plan.branch]
        today = self.w.today(plan.branch)
        first, last = today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS)
        days = [plan.day + timedelta(days=d) for d in (0, 1, -1, 2, -2, 3)]
        days = [d for d in days if first <= d <= last]
        for skilled in (True, False):
            for day in days if skilled else days[:1]:
                for crew in self._candidates(plan, day, skilled):
                    found = crew.slot(day, plan.minutes, tz)
                    if found is None:
                        continue
                    start, end, opens, closes = found
                    crew.take(start, end, day)
                    plan.day, plan.start, plan.end, plan.crew = day, start, end, [crew]
                    if plan.priority != Priority.EMERGENCY and self.rng.random() < 0.6:
                        plan.window = (opens, closes)
                    if plan.kind.crew and self.rng.random() < 0.5:
                        self._add_helper(plan, day)
                    return True
        return False

    def _add_helper(self, plan: Plan, day: date) -> None:
        assert plan.start is not None and plan.end is not None
        for crew in self._candidates(plan, day, True) + self._candidates(plan, day, False):
            if all(crew is not c for c in plan.crew) and crew.free(plan.start, plan.end):
                crew.take(plan.start, plan.end, day)
                plan.crew.append(crew)
                return

    # --- what has happened by now -----------------------------------------------------------

    def _status(self, plan: Plan, en_route: set[uuid.UUID]) -> JobStatus:
        rng, now = self.rng, self.w.now
        if plan.live is not None:
            return plan.live
        if plan.start is None or plan.end is None:
            return S.DRAFT
        lead = plan.crew[0]
        offset = (plan.day - self.w.today(plan.branch)).days
        tomorrow = offset > 0 and plan.day == self.next_day.get(plan.branch)
        if plan.end <= now:
            r = rng.random()
            return S.COMPLETED if r < 0.84 else S.CANCELLED if r < 0.93 else S.ON_HOLD
        if plan.start <= now:
            return S.ON_SITE
        working_now = any(s <= now < e for s, e in lead.busy if s != plan.start)
        soon = plan.start - now <= timedelta(minutes=40)
        if soon and not working_now and lead.id not in en_route:
            en_route.add(lead.id)
            return S.EN_ROUTE
        if offset == 0:
            return S.DISPATCHED if rng.random() < 0.9 else S.SCHEDULED
        r = rng.random()
        if r < 0.04:
            return S.CANCELLED
        if r < 0.08:
            return S.ON_HOLD
        if tomorrow and r < 0.75:  # the next working day is handed out already
            return S.DISPATCHED
        if r > 0.88:
            plan.crew = []  # not given to anyone yet: the dispatcher's to-do
        return S.SCHEDULED

    def _path(self, plan: Plan, status: JobStatus) -> None:
        rng = self.rng
        past = plan.end is not None and plan.end <= self.w.now
        reasons: list[str | None]
        if status == S.DRAFT:
            path, reasons = [S.DRAFT], [None]
            if rng.random() < 0.15:
                path += [S.CANCELLED, S.DRAFT]
                reasons += [rng.choice(CANCEL_OFFICE), REOPEN]
            plan.path, plan.reasons = path, reasons
            return
        from_draft = rng.random() < 0.3
        path = [S.DRAFT, S.SCHEDULED] if from_draft else [S.SCHEDULED]
        reasons = [None] * len(path)

        def go(*steps: tuple[JobStatus, str | None]) -> None:
            for step, reason in steps:
                path.append(step)
                reasons.append(reason)

        dispatch = (S.DISPATCHED, None)
        if plan.crew and rng.random() < 0.05:  # recalled once, sent out again
            go(dispatch, (S.SCHEDULED, RECALL))
        if status == S.DISPATCHED:
            go(dispatch)
        elif status in (S.EN_ROUTE, S.ON_SITE, S.COMPLETED):
            go(dispatch, (S.EN_ROUTE, None))
            if status == S.COMPLETED and rng.random() < 0.04:
                go((S.DISPATCHED, TURN_BACK), (S.EN_ROUTE, None))
            if status != S.EN_ROUTE:
                go((S.ON_SITE, None))
            if status == S.COMPLETED:
                go((S.COMPLETED, None))
        elif status == S.ON_HOLD:
            if past and rng.random() < 0.6:
                go(dispatch, (S.EN_ROUTE, None), (S.ON_SITE, None))
                go((S.ON_HOLD, rng.choice(HOLD_PARTS)))
            else:
                go((S.ON_HOLD, rng.choice(HOLD_CLIENT)))
        elif status == S.CANCELLED:
            r = rng.random()
            if past and r < 0.15:
                go(dispatch, (S.EN_ROUTE, None), (S.CANCELLED, CANCEL_FIELD))
            elif past and r < 0.5:
                go(dispatch, (S.CANCELLED, rng.choice(CANCEL_OFFICE)))
            else:
                go((S.CANCELLED, rng.choice(CANCEL_OFFICE)))
        if S.DISPATCHED in path and not plan.crew:
            raise AssertionError("a dispatched job needs a technician")
        plan.path, plan.reasons = path, reasons

    def _times(self, plan: Plan) -> None:
        """When each step happened: around the planned times, never after now, in order."""
        rng, now = self.rng, self.w.now

        def minutes(a: float, b: float) -> timedelta:
            return timedelta(minutes=rng.uniform(a, b))

        tz = self.w.tz[plan.branch]

        def office(at: datetime) -> datetime:
            """The office works 08:30-19:00: earlier or later, it is done in those hours."""
            local = at.astimezone(tz)
            if local.time() < time(8, 30):
                local = local.replace(hour=8, minute=30) + minutes(0, 50)
            elif local.time() >= time(19):
                local = local.replace(hour=18, minute=0) + minutes(0, 55)
            return local.astimezone(UTC)

        start = plan.start
        anchor = start or datetime.combine(plan.day, time(9), tz)
        created = anchor - minutes(180, 4 * 24 * 60)
        if created > now:
            created = now - minutes(30, 2 * 24 * 60)
        if plan.creator.source == Source.WEB:
            created = office(created)
        times = [created]
        for before, step in itertools.pairwise(plan.path):
            prev = times[-1]
            at = prev + minutes(1, 5)
            if step == S.SCHEDULED and before == S.DRAFT:
                at = prev + minutes(10, 18 * 60)
                if start is not None:
                    at = min(at, start - minutes(60, 120))
            elif step in (S.SCHEDULED, S.DRAFT, S.ON_HOLD) and before != S.ON_SITE:
                at = prev + minutes(30, 24 * 60)
                if start is not None:
                    at = min(at, start - minutes(30, 60))
            elif step == S.DISPATCHED and before != S.EN_ROUTE and start is not None:
                at = start - minutes(30, 14 * 60)
            elif step == S.EN_ROUTE and start is not None:
                at = start - minutes(15, 40)
            elif step == S.ON_SITE and start is not None:
                at = start + minutes(-5, 10)
            elif step == S.COMPLETED:
                at = prev + timedelta(minutes=plan.minutes) + minutes(-15, 25)
            elif step == S.ON_HOLD:
                at = prev + minutes(20, 50)
            elif step == S.CANCELLED and before == S.EN_ROUTE and start is not None:
                at = start + minutes(5, 20)
            elif step == S.CANCELLED:
                at = prev + minutes(60, 30 * 60)
                if start is not None:
                    at = min(at, start - minutes(10, 60))
            if (before, step) not in FIELD_STEPS:
                at = office(at)
            times.append(max(at, prev + minutes(1, 5)))
        # Nothing has happened after now: pull late steps back, keeping the order.
        limit = now - MINUTE
        for i in reversed(range(len(times))):
            times[i] = min(times[i], limit)
            limit = times[i] - MINUTE
        plan.times = [t.replace(microsecond=0) for t in times]

    def _creator(self, plan: Plan) -> Actor:
        r = self.rng.random()
        if plan.client.contract and plan.kind.key.endswith("_service") and r < 0.8:
            return SYSTEM  # the maintenance contract's schedule
        if r < 0.18:
            return Actor(None, Source.API)  # the booking form on the company's site
        return Actor(self.w.dispatchers[plan.branch], Source.WEB)

    def plan(self, total: int) -> list[Plan]:
        plans = self.requests(total)
        for plan in plans:
            if plan.live is not None:
                self._place_live(plan)
        order = sorted(
            (p for p in plans if p.live is None),
            key=lambda p: (p.day, p.priority != Priority.EMERGENCY),
        )
        for plan in order:
            today = self.w.today(plan.branch)
            if plan.day > today and self.rng.random() < 0.15:
                continue  # a request not planned yet: a draft with the customer's wish
            if not self._place(plan):
                plan.start = plan.end = None
        for plan in plans:
            if plan.start is None:
                tz = self.w.tz[plan.branch]
                morning = self.rng.random() < 0.5
                a, b = (time(9), time(13)) if morning else (time(14), time(18))
                plan.window = (
                    datetime.combine(plan.day, a, tz).astimezone(UTC),
                    datetime.combine(plan.day, b, tz).astimezone(UTC),
                )
        for plan in plans:
            if plan.start is not None and plan.day > self.w.today(plan.branch):
                first = self.next_day.get(plan.branch, plan.day)
                self.next_day[plan.branch] = min(first, plan.day)
        en_route: set[uuid.UUID] = {p.crew[0].id for p in plans if p.live == S.EN_ROUTE}
        for plan in sorted(plans, key=lambda p: (p.start or self.w.now, p.live is None)):
            status = self._status(plan, en_route)
            self._path(plan, status)
            plan.creator = self._creator(plan)
            self._times(plan)
            items = len(plan.kind.checklist)
            plan.ticks = {S.COMPLETED: items, S.ON_SITE: items // 2}.get(status, 0)
            if status == S.ON_HOLD and S.ON_SITE in plan.path:
                plan.ticks = 1 + self.rng.randint(0, 1)
        return sorted(plans, key=lambda p: p.times[0])
