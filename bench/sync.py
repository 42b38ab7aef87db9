"""Sync push benchmark: 1,000 mutations from a technician's phone, then the same again.

Usage: ``python bench/sync.py [--engines sqlite,postgresql] [--rounds N] [--keep-db]``

For each engine, in a database of its own (an SQLite file in a temporary folder; a
fresh PostgreSQL database migrated by the owner and used through a separate app
role, so row-level security is on, as in bench/api.py):

1. Seeds a company through Dala's services: a technician with an API token, 50
   customers' sites and, per round, 50 jobs assigned to the technician and
   dispatched, each with a checklist of four.
2. Builds 1,000 mutations as a day's work on those jobs would send them, job by
   job: on my way, arrive, four checklist ticks, five notes, four parts, four
   time entries, complete (20 per job).
3. Pushes them in five batches of 200 through ``POST /api/v1/sync/push`` (the
   Flask app in this process, the whole request path: token, permissions, JSON,
   one transaction per batch with a savepoint per mutation), checks every
   mutation was applied and the records are there once, then pushes the same
   batches again (the phone never heard the answers) and checks every result
   is ``replayed`` and nothing changed.
4. Prints, per engine, the time of the first push (with the CPU time this process,
   the app's side, spent in it: on a busy machine the wall time drifts, the CPU time
   much less) and of the replay, medians over the rounds (each with fresh jobs and a
   fresh phone), and the replay/first ratio: a replay only reads the recorded
   outcomes, so it should cost a small fraction of the first push.

Environment: ``DALA_BENCH_PG_ADMIN_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/sync.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(ROOT))

from bench.api import (  # noqa: E402
    APP_ROLE,
    MASTER_KEY,
    BenchDatabase,
    create_database,
    drop_database,
)
from dala import create_app  # noqa: E402
from dala.auth.grants import grant_role  # noqa: E402
from dala.auth.tokens import issue_token  # noqa: E402
from dala.auth.users import invite_user, set_password  # noqa: E402
from dala.db import get_session  # noqa: E402
from dala.migrate import upgrade  # noqa: E402
from dala.sync.models import SyncMutation  # noqa: E402
from dala.tenancy import context  # noqa: E402
from dala.tenancy.services import signup  # noqa: E402
from dala.work import checklists, jobs  # noqa: E402
from dala.work.customers import create_customer  # noqa: E402
from dala.work.field_models import JobNote, PartUsage, TimeEntry  # noqa: E402
from dala.work.job_models import JobStatus, Source  # noqa: E402
from dala.work.sites import create_site  # noqa: E402
from dala.work.technicians import create_technician  # noqa: E402

JOBS = 50
PER_JOB = 20  # see _day()
BATCH = 200
PASSWORD = "bench password that is long enough"
PUSH = "/api/v1/sync/push"


@dataclass(frozen=True)
class Company:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    owner_id: uuid.UUID
    technician_id: uuid.UUID
    token: str
    sites: list[tuple[uuid.UUID, uuid.UUID]]  # (customer, site)


def _settings(url: str, owner_url: str, app_role: str, files: Path) -> dict[str, Any]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "MASTER_KEY": MASTER_KEY,
        "DATABASE_URL": url,
        "MIGRATION_DATABASE_URL": owner_url,
        "DB_APP_ROLE": app_role,
        "FILES_DIR": str(files),
        # Only the seeding hashes a password; bearer tokens are checked with SHA-256.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
    }


def seed_company(app: Flask) -> Company:
    """A company with a technician (and token) and 50 customers with a site each."""
    session = get_session()
    suffix = uuid.uuid4().hex[:8]
    made = signup(
        session,
        company_name=f"Sync Bench {suffix}",
        email=f"owner@{suffix}.bench.example.com",
        password=PASSWORD,
        branch_name="Main",
        timezone="Asia/Almaty",
        locale="en",
    )
    session.commit()
    with context.tenant_scope(made.tenant.id):
        user = invite_user(
            session, email=f"tech@{suffix}.bench.example.com", name="Bench Tech", locale="en"
        )
        set_password(user, PASSWORD)
        grant_role(session, user_id=user.id, role_key="technician", branch_id=made.branch.id)
        technician = create_technician(session, {"user_id": user.id, "branch_id": made.branch.id})
        token = issue_token(session, user, name="bench").secret
        sites = []
        for i in range(JOBS):
            customer = create_customer(
                session, {"name": f"Customer {i:02d}", "phone": f"+7 701 555 {i:02d} {i:02d}"}
            )
            site = create_site(
                session,
                {
                    "customer_id": customer.id,
                    "branch_id": made.branch.id,
                    "address": f"Abay avenue {i + 1}, Almaty",
                    "access_notes": "Gate code 4411",
                },
            )
            sites.append((customer.id, site.id))
        session.commit()
    return Company(made.tenant.id, made.branch.id, made.owner.id, technician.id, token, sites)


def seed_jobs(company: Company) -> list[tuple[uuid.UUID, list[uuid.UUID]]]:
    """50 dispatched jobs of tomorrow for the technician: (job, checklist item ids)."""
    session = get_session()
    office = jobs.Actor(company.owner_id, Source.WEB)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    out = []
    with context.tenant_scope(company.tenant_id):
        for i, (customer_id, site_id) in enumerate(company.sites):
            job = jobs.create_job(
                session,
                {
                    "customer_id": customer_id,
                    "site_id": site_id,
                    "title": "AC maintenance",
                    "scheduled_start": start + timedelta(minutes=15 * i),
                    "duration_minutes": 60,
                    "technician_ids": [company.technician_id],
                    "checklist": ["Clean filters", "Check pressure", "Test drain", "Photo"],
                },
                office,
            )
            jobs.transition(session, job, JobStatus.DISPATCHED, office)
            items = [item.id for item in session.scalars(checklists.items_query(job.id))]
            out.append((job.id, items))
        session.commit()
    return out


def _day(jobs_made: list[tuple[uuid.UUID, list[uuid.UUID]]]) -> list[tuple[str, dict[str, Any]]]:
    """The mutations of a day on the jobs, job by job (20 each)."""
    day: list[tuple[str, dict[str, Any]]] = []
    end = datetime.now(UTC) - timedelta(hours=1)
    for number, (job_id, items) in enumerate(jobs_made):
        j = str(job_id)
        record = {"job_id": j}
        day += [("job.en_route", record), ("job.arrive", record)]
        day += [("checklist.set", {**record, "item_id": str(i), "done": True}) for i in items]
        day += [
            ("note.add", {**record, "id": str(uuid.uuid4()), "text": f"Note {n} on job {number}"})
            for n in range(5)
        ]
        day += [
            (
                "part.use",
                {
                    **record,
                    "id": str(uuid.uuid4()),
                    "name": f"Part {n}",
                    "sku": f"P-{n}",
                    "quantity": 1.5,
                },
            )
            for n in range(4)
        ]
        day += [
            (
                "time.log",
                {
                    **record,
                    "id": str(uuid.uuid4()),
                    "kind": ("travel", "work", "break", "work")[n],
                    "started_at": (end - timedelta(minutes=40 - 10 * n)).isoformat(),
                    "ended_at": (end - timedelta(minutes=31 - 10 * n)).isoformat(),
                },
            )
            for n in range(4)
        ]
        day.append(("job.complete", record))
    assert len(day) == PER_JOB * len(jobs_made)
    return day


def _batches(day: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    client_group, client_id = str(uuid.uuid4()), str(uuid.uuid4())
    now = datetime.now(UTC).isoformat()
    mutations = [
        {"id": i + 1, "name": name, "args": args, "client_ts": now}
        for i, (name, args) in enumerate(day)
    ]
    return [
        {
            "client_group_id": client_group,
            "client_id": client_id,
            "schema_version": 1,
            "mutations": mutations[start : start + BATCH],
        }
        for start in range(0, len(mutations), BATCH)
    ]


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds, what the phone waits
    cpu: float  # seconds of this process's CPU (the app's side; the database's is apart)


def _push_all(app: Flask, token: str, batches: list[dict[str, Any]]) -> tuple[Timing, list[Any]]:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "X-Dala-Client": "app"}
    wall = cpu = 0.0
    answers = []
    for body in batches:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(PUSH, json=body, headers=headers)
        wall += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        if response.status_code != 200:
            raise RuntimeError(f"push answered {response.status_code}: {response.get_json()}")
        answers.append(response.get_json())
    return Timing(wall, cpu), answers


def _records(company: Company, client_id: str) -> dict[str, int]:
    session = get_session()
    with context.tenant_scope(company.tenant_id):
        counts = {
            model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (JobNote, PartUsage, TimeEntry)
        }
        counts["SyncMutation"] = int(
            session.scalar(
                select(func.count())
                .select_from(SyncMutation)
                .where(SyncMutation.client_id == uuid.UUID(client_id))
            )
            or 0
        )
        session.rollback()
    return counts


@dataclass(frozen=True)
class Round:
    first: Timing
    replay: Timing


def run_round(app: Flask, company: Company) -> Round:
    with app.test_request_context("/"):
        made = seed_jobs(company)
        before = _records(company, "00000000-0000-0000-0000-000000000000")
    batches = _batches(_day(made))
    total = sum(len(b["mutations"]) for b in batches)
    first, answers = _push_all(app, company.token, batches)
    statuses = {r["status"] for a in answers for r in a["results"]}
    if statuses != {"applied"}:
        refused = [r for a in answers for r in a["results"] if r["status"] != "applied"][:3]
        raise RuntimeError(f"not every mutation was applied: {refused}")
    with app.test_request_context("/"):
        after = _records(company, batches[0]["client_id"])
    added = {k: after[k] - before.get(k, 0) for k in ("JobNote", "PartUsage", "TimeEntry")}
    if added != {"JobNote": 5 * JOBS, "PartUsage": 4 * JOBS, "TimeEntry": 4 * JOBS}:
        raise RuntimeError(f"records after the first push: {added}")
    if after["SyncMutation"] != total:
        raise RuntimeError(f"{after['SyncMutation']} outcomes recorded for {total} mutations")
    replay, again = _push_all(app, company.token, batches)
    if not all(r.get("replayed") and r["status"] == "applied" for a in again for r in a["results"]):
        raise RuntimeError("the replay applied something again")
    with app.test_request_context("/"):
        if _records(company, batches[0]["client_id"]) != after:
            raise RuntimeError("the replay changed the records")
    return Round(first, replay)


def bench_engine(engine: str, rounds: int, keep_db: bool, workdir: Path) -> list[Round]:
    files = workdir / f"files-{engine}"
    db: BenchDatabase | None = None
    if engine == "sqlite":
        url = f"sqlite:///{workdir / 'sync-bench.db'}"
        upgrade(url)
        settings = _settings(url, url, "", files)
    else:
        db = create_database()
        upgrade(db.owner_url, app_role=APP_ROLE)
        settings = _settings(db.app_url, db.owner_url, APP_ROLE, files)
    app = create_app(settings)
    try:
        with app.test_request_context("/"):
            try:
                company = seed_company(app)
            finally:
                context.clear()
        results = []
        for number in range(1, rounds + 1):
            result = run_round(app, company)
            print(
                f"  {engine} round {number}/{rounds}: first {result.first.wall:.2f} s "
                f"(app CPU {result.first.cpu:.2f} s), replay {result.replay.wall:.3f} s"
            )
            results.append(result)
        return results
    finally:
        app.extensions["dala.db"].engine.dispose()
        if db is not None:
            if keep_db:
                print(f"kept database {db.name}: {db.owner_url}")
            else:
                drop_database(db)


def report(figures: dict[str, list[Round]]) -> None:
    total = JOBS * PER_JOB
    print()
    print(
        f"{total:,} mutations over {JOBS} jobs, batches of {BATCH}; medians of "
        f"{len(next(iter(figures.values())))} round(s); {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}"
    )
    print(
        f"{'engine':<12}{'first push':>12}{'per mutation':>15}{'app CPU':>10}"
        f"{'replay':>10}{'replay/first':>14}"
    )
    for engine, rounds in figures.items():
        first = statistics.median(r.first.wall for r in rounds)
        cpu = statistics.median(r.first.cpu for r in rounds)
        replay = statistics.median(r.replay.wall for r in rounds)
        print(
            f"{engine:<12}{first:>10.2f} s{first / total * 1000:>12.2f} ms{cpu:>8.2f} s"
            f"{replay:>8.3f} s{replay / first:>14.3f}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--engines",
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (default both)",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds per engine, fresh jobs each (default 3)"
    )
    parser.add_argument("--keep-db", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not args.engines or set(args.engines) - {"sqlite", "postgresql"}:
        parser.error("--engines takes sqlite and/or postgresql")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Configured before create_app() would do it at INFO: keep Casbin's model dump quiet.
    logging.basicConfig(level=logging.WARNING)
    workdir = Path(tempfile.mkdtemp(prefix="dala-sync-bench-"))
    try:
        figures = {}
        for engine in args.engines:
            print(f"{engine}: seeding and pushing ...")
            figures[engine] = bench_engine(engine, args.rounds, args.keep_db, workdir)
        report(figures)
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
