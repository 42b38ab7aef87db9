"""API throughput benchmark: Dala's real list endpoint against a bare Flask route.

Usage: ``python bench/api.py [--duration S] [--connections N] [--keep-db]``

1. Creates a fresh PostgreSQL database, migrates it as the owner and grants a
   separate app role (no ownership, no BYPASSRLS) the tables, like production.
2. Seeds two tenants through Dala's services: tenant A with an owner, a second
   branch and 60 more users (so ``GET /api/v1/users?page_size=50`` returns 50
   rows); tenant B with its owner. Each owner gets an API token.
3. Starts gunicorn on a free loopback port with ``bench.wsgi:app`` connecting as
   the app role, so row-level security is active.
4. Loads ``/bench/bare`` (50 dicts, no DB, no auth) and ``/api/v1/users?page_size=50``
   (bearer token, tenant scope + RLS, Casbin check, count + page query,
   marshmallow dump) with ``wrk``, the same settings for both, after a warm-up
   (``--rounds N`` alternates them N times and reports medians).
5. Prints req/s, p50 and p99 latency and the real/bare throughput ratio against
   the goal, then stops gunicorn and drops the database (unless ``--keep-db``).
   On Linux it also prints the CPU milliseconds per request of the gunicorn
   workers and of the PostgreSQL backends, and how much CPU unrelated processes
   took meanwhile: on a busy machine req/s drops, CPU per request much less.

Needs ``wrk`` (Debian: ``apt-get install wrk``; ``make bench`` installs it when run
as root). A Python load generator would take one of the two cores from the server.

Environment: ``DALA_BENCH_PG_ADMIN_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/api.py` puts bench/, not the root, on the path
    sys.path.insert(0, str(ROOT))

from dala import create_app  # noqa: E402
from dala.auth.grants import grant_role  # noqa: E402
from dala.auth.tokens import issue_token  # noqa: E402
from dala.auth.users import invite_user, set_password  # noqa: E402
from dala.db import get_session  # noqa: E402
from dala.migrate import upgrade  # noqa: E402
from dala.tenancy import context  # noqa: E402
from dala.tenancy.services import create_branch, signup  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "DALA_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
APP_ROLE = "dala_bench_app"
HOST = "127.0.0.1"
GOAL = 0.40
NOISE_LIMIT = 0.10  # share of the machine's CPU used by unrelated processes while measuring
EXTRA_USERS = 60
PAGE_SIZE = 50
PASSWORD = "bench password that is long enough"
BARE_PATH = "/bench/bare"  # see bench/wsgi.py
LIST_PATH = f"/api/v1/users?page_size={PAGE_SIZE}"
SEED_ROLES = ("technician", "dispatcher", "viewer")

# wrk prints this line from done(); latencies are in microseconds.
WRK_LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "mean_us": %.1f, "max_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write,
    e.status, e.timeout))
end
"""


# --- database ------------------------------------------------------------------------------


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass(frozen=True)
class BenchDatabase:
    name: str
    owner_url: str
    app_url: str


def create_database() -> BenchDatabase:
    """A new, empty database plus the non-owner app role (created once, never a superuser)."""
    name = f"dala_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
        ).fetchone()
        if role is None:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS").format(
                    sql.Identifier(APP_ROLE)
                )
            )
        elif role[0] or role[1]:
            raise SystemExit(f"role {APP_ROLE} bypasses row-level security; refusing to bench")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base, _sep, _db = PG_ADMIN_URL.rpartition("/")
    owner_url = f"{base}/{name}"
    user = owner_url.split("//", 1)[1].split("@", 1)[0]
    app_url = owner_url.replace(f"//{user}@", f"//{APP_ROLE}@", 1)
    return BenchDatabase(name, owner_url, app_url)


def drop_database(db: BenchDatabase) -> None:
    with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.name))
        )


# --- seed data -----------------------------------------------------------------------------


# A fresh key-encryption key per benchmark run (its database is dropped afterwards).
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()


@dataclass(frozen=True)
class Seed:
    token_a: str
    token_b: str
    users_a: int
    users_b: int


def app_settings(db: BenchDatabase, secret_key: str) -> dict[str, str]:
    """The server's environment: production settings, app role, owner for migrations."""
    return {
        "DALA_SECRET_KEY": secret_key,
        "DALA_MASTER_KEY": MASTER_KEY,
        "DALA_DATABASE_URL": db.app_url,
        "DALA_MIGRATION_DATABASE_URL": db.owner_url,
        "DALA_DB_APP_ROLE": APP_ROLE,
        "DALA_PUBLIC_URL": "http://127.0.0.1",
    }


def seed(db: BenchDatabase, secret_key: str) -> Seed:
    """Two tenants built through Dala's services, connecting as the app role (RLS on)."""
    app = create_app(
        {
            "SECRET_KEY": secret_key,
            "MASTER_KEY": MASTER_KEY,
            "DATABASE_URL": db.app_url,
            "MIGRATION_DATABASE_URL": db.owner_url,
            "DB_APP_ROLE": APP_ROLE,
            # Only the seeding hashes passwords; bearer tokens are checked with SHA-256.
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    try:
        # A request context (not just the app context): services translate their messages.
        with app.test_request_context("/"):
            try:
                token_a = _seed_tenant(app, "Alpha Bench Service", EXTRA_USERS)
                token_b = _seed_tenant(app, "Beta Bench Repairs", 0)
            finally:
                context.clear()
    finally:
        app.extensions["dala.db"].engine.dispose()
    return Seed(token_a, token_b, 1 + EXTRA_USERS, 1)


def _seed_tenant(app: Any, company: str, extra_users: int) -> str:
    session = get_session()
    suffix = uuid.uuid4().hex[:8]
    result = signup(
        session,
        company_name=f"{company} {suffix}",
        email=f"owner@{suffix}.bench.example.com",
        password=PASSWORD,
        owner_name="Owner",
        branch_name="Main",
        timezone="Asia/Almaty",
        locale="en",
    )
    session.commit()
    tenant = result.tenant
    with context.tenant_scope(tenant.id):
        north = create_branch(session, {"name": "North", "timezone": "Asia/Almaty"})
        session.commit()
        for i in range(extra_users):
            user = invite_user(
                session,
                email=f"person{i:02d}@{suffix}.bench.example.com",
                name=f"Bench Person {i:02d}",
                locale="en",
            )
            set_password(user, PASSWORD)
            grant_role(
                session,
                user_id=user.id,
                role_key=SEED_ROLES[i % len(SEED_ROLES)],
                branch_id=(result.branch.id, north.id)[i % 2],
            )
        issued = issue_token(session, result.owner, name="bench")
        session.commit()
    return issued.secret


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_server(
    env_overrides: dict[str, str], workdir: Path, worker_class: str, workers: int, threads: int
) -> Server:
    port = free_port()
    log = workdir / "gunicorn.log"
    gunicorn = Path(sys.executable).with_name("gunicorn")
    cmd = [
        str(gunicorn),
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--chdir",
        str(ROOT),
        "--error-logfile",
        str(log),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    cmd.append("bench.wsgi:app")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DALA_")}
    env.update(env_overrides)
    env["PYTHONUNBUFFERED"] = "1"
    with log.open("ab") as out:  # the app's own logging (stderr) goes to the same file
        process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
        )
    server = Server(process, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
        try:
            status, _body = http_get(server.base + BARE_PATH)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{_tail(log)}")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def http_get(url: str, token: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url)  # noqa: S310 - loopback http only
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, None


def check_endpoints(server: Server, seeded: Seed) -> None:
    """Fail fast unless both routes answer as the benchmark assumes (and scoping holds)."""
    status, body = http_get(server.base + BARE_PATH)
    if status != 200 or len(body) != PAGE_SIZE:
        raise RuntimeError(f"{BARE_PATH}: HTTP {status}, expected a list of {PAGE_SIZE}")
    status, _body = http_get(server.base + LIST_PATH)
    if status != 401:
        raise RuntimeError(f"{LIST_PATH} without a token: HTTP {status}, expected 401")
    status, page_a = http_get(server.base + LIST_PATH, seeded.token_a)
    if status != 200 or len(page_a["items"]) != PAGE_SIZE or page_a["total"] != seeded.users_a:
        raise RuntimeError(f"{LIST_PATH} as tenant A: HTTP {status}, unexpected page")
    status, page_b = http_get(server.base + LIST_PATH, seeded.token_b)
    if status != 200 or page_b["total"] != seeded.users_b:
        raise RuntimeError(f"{LIST_PATH} as tenant B: HTTP {status}, unexpected page")
    ids_a = {u["id"] for u in page_a["items"]}
    if ids_a & {u["id"] for u in page_b["items"]}:
        raise RuntimeError("tenant B sees tenant A's users: scoping is broken")


# --- CPU accounting (Linux /proc; skipped elsewhere) ---------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of one process, 0.0 if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()  # after "pid (comm)": state is fields[0]
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(ppid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == ppid:
            pids.append(int(entry.name))
    return pids


def _machine_busy() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return (user + nice + system + irq + softirq + steal) / _TICK


@dataclass(frozen=True)
class CpuSnapshot:
    app: dict[int, float]
    db: dict[int, float]
    machine: float
    children: float  # this process's waited-for children (wrk)
    own: float
    wall: float


class CpuMeter:
    """Where the CPU went during a run: gunicorn workers, PostgreSQL backends, the rest."""

    def __init__(self, server_pid: int, db: BenchDatabase) -> None:
        self.server_pid = server_pid
        self.db = db
        self.enabled = Path("/proc/stat").exists()

    def _db_pids(self) -> list[int]:
        with psycopg.connect(_libpq(PG_ADMIN_URL), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND usename = %s",
                (self.db.name, APP_ROLE),
            ).fetchall()
        return [int(r[0]) for r in rows]

    def snapshot(self) -> CpuSnapshot | None:
        if not self.enabled:
            return None
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        return CpuSnapshot(
            app={p: _proc_cpu(p) for p in [self.server_pid, *_children(self.server_pid)]},
            db={p: _proc_cpu(p) for p in self._db_pids()},
            machine=_machine_busy(),
            children=usage.ru_utime + usage.ru_stime,
            own=own.ru_utime + own.ru_stime,
            wall=time.monotonic(),
        )

    def usage(self, before: CpuSnapshot | None) -> CpuUsage | None:
        after = self.snapshot()
        if before is None or after is None:
            return None

        def delta(b: dict[int, float], a: dict[int, float]) -> float:
            return sum(max(0.0, cpu - b.get(pid, 0.0)) for pid, cpu in a.items())

        app = delta(before.app, after.app)
        db = delta(before.db, after.db)
        wrk = after.children - before.children
        own = after.own - before.own
        machine = after.machine - before.machine
        capacity = (after.wall - before.wall) * (os.cpu_count() or 1)
        other = max(0.0, machine - app - db - wrk - own)
        return CpuUsage(app, db, wrk, other, capacity)


@dataclass(frozen=True)
class CpuUsage:
    app: float  # CPU seconds of the gunicorn master and workers
    db: float  # of the app role's PostgreSQL backends
    wrk: float  # of the load generator
    other: float  # of every other process on the machine
    capacity: float  # wall seconds x cores

    @property
    def other_share(self) -> float:
        return self.other / self.capacity if self.capacity else 0.0


# --- load ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    name: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int]
    cpu: CpuUsage | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def cpu_ms(self, part: str) -> float | None:
        """CPU milliseconds per request spent by ``part`` (app, db, wrk, other)."""
        if self.cpu is None or not self.requests:
            return None
        seconds: float = getattr(self.cpu, part)
        return seconds * 1000 / self.requests


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "wrk (the HTTP load generator) is not installed. Install it with\n"
            "  sudo apt-get install -y wrk      (Debian/Ubuntu; or: scripts/apt-install wrk)\n"
            "  brew install wrk                 (macOS)\n"
            "then run this benchmark again."
        )
    return wrk


def run_wrk(
    wrk: str,
    name: str,
    url: str,
    *,
    script: Path,
    duration: float,
    connections: int,
    threads: int,
    token: str | None,
) -> Result:
    cmd = [
        wrk,
        "--threads",
        str(threads),
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
    ]
    if token:
        cmd += ["--header", f"Authorization: Bearer {token}"]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=duration + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return Result(
        name=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        mean_ms=data["mean_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors={k: data[k] for k in ("connect", "read", "write", "status", "timeout") if data[k]},
    )


# --- report --------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


@dataclass(frozen=True)
class Summary:
    """One endpoint over all rounds: medians of the rounds' figures."""

    name: str
    rounds: list[Result]

    @property
    def rps(self) -> float:
        return _median([r.rps for r in self.rounds])

    @property
    def p50_ms(self) -> float:
        return _median([r.p50_ms for r in self.rounds])

    @property
    def p99_ms(self) -> float:
        return _median([r.p99_ms for r in self.rounds])

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.rounds)

    @property
    def errors(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.rounds:
            for kind, count in r.errors.items():
                total[kind] = total.get(kind, 0) + count
        return total

    def cpu_ms(self, part: str) -> float | None:
        values = [v for v in (r.cpu_ms(part) for r in self.rounds) if v is not None]
        return _median(values) if values else None

    @property
    def other_share(self) -> float | None:
        values = [r.cpu.other_share for r in self.rounds if r.cpu is not None]
        return max(values) if values else None


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def report(bare: Summary, real: Summary, settings: str) -> bool:
    rows = [bare, real]
    width = max(len(r.name) for r in rows)
    print()
    print(settings)
    print()
    header = (
        f"{'endpoint':<{width}}  {'req/s':>8}  {'p50 ms':>7}  {'p99 ms':>7}  "
        f"{'app CPU':>7}  {'db CPU':>6}  {'requests':>8}  errors"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        errors = ", ".join(f"{k} {v}" for k, v in r.errors.items()) or "0"
        print(
            f"{r.name:<{width}}  {r.rps:>8.1f}  {r.p50_ms:>7.2f}  {r.p99_ms:>7.2f}  "
            f"{_fmt(r.cpu_ms('app')):>7}  {_fmt(r.cpu_ms('db')):>6}  {r.requests:>8}  {errors}"
        )
    print()
    print(
        "app CPU / db CPU: milliseconds of CPU per request used by the gunicorn workers and "
        "by the PostgreSQL backends"
    )
    if len(bare.rounds) > 1:
        print(f"figures are medians of {len(bare.rounds)} alternating rounds")
    noisy = [r for r in rows if (r.other_share or 0.0) > NOISE_LIMIT]
    for r in rows:
        if r.other_share is not None:
            print(
                f"other processes used {r.other_share:.0%} of the machine's CPU while measuring "
                f"{r.name.split(' (')[0]}"
            )
    if noisy:
        print(
            f"WARNING: more than {NOISE_LIMIT:.0%} of the CPU went to unrelated processes; "
            "throughput and latency are depressed and noisy (the CPU per request is steadier)."
        )
    failed = bool(bare.errors or real.errors)
    if failed:
        print("INVALID RUN: some requests failed (see errors); the ratio is not meaningful.")
    ratio = real.rps / bare.rps if bare.rps else 0.0
    met = ratio >= GOAL and not failed
    print()
    print(f"real/bare throughput: {ratio:.1%}  (goal >= {GOAL:.0%}): {'MET' if met else 'NOT MET'}")
    bare_cpu, real_cpu = bare.cpu_ms("app"), real.cpu_ms("app")
    if bare_cpu and real_cpu:
        print(
            f"bare/real app CPU per request: {bare_cpu / real_cpu:.1%} "
            f"({bare_cpu:.2f} ms vs {real_cpu:.2f} ms)"
        )
    return met


# --- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        help="seconds of measured load per endpoint and round (default 10)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="seconds of unmeasured load per endpoint first (default 3)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate bare/real this many times, report medians (default 1)",
    )
    parser.add_argument(
        "--connections", type=int, default=8, help="concurrent connections held by wrk (default 8)"
    )
    parser.add_argument(
        "--wrk-threads",
        type=int,
        default=1,
        help="wrk threads (default 1: the load generator shares the 2 cores)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--worker-class",
        choices=("sync", "gthread"),
        default="sync",
        help="gunicorn worker class (default sync, chosen by measurement)",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="threads per gthread worker (default 2)"
    )
    parser.add_argument(
        "--keep-db",
        action="store_true",
        help="keep the database (and print its URLs and tokens) afterwards",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or min(args.connections, args.wrk_threads, args.rounds) < 1:
        parser.error("--duration, --connections, --wrk-threads and --rounds must be positive")
    args.wrk_threads = min(args.wrk_threads, args.connections)
    return args


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # `kill` and Ctrl-C both end in the `finally` below: gunicorn stopped, database dropped.
    signal.signal(signal.SIGTERM, _terminate)
    # Configured before create_app() would do it at INFO: keep Casbin's model dump quiet.
    logging.basicConfig(level=logging.WARNING)
    wrk = find_wrk()
    secret_key = secrets.token_urlsafe(48)
    workdir = Path(tempfile.mkdtemp(prefix="dala-bench-"))
    script = workdir / "report.lua"
    script.write_text(WRK_LUA)

    db: BenchDatabase | None = None
    server: Server | None = None
    seeded: Seed | None = None
    try:
        db = create_database()
        print(f"database {db.name}: migrating as owner, app role {APP_ROLE} (RLS enforced)")
        upgrade(db.owner_url, app_role=APP_ROLE)
        started = time.monotonic()
        seeded = seed(db, secret_key)
        print(
            f"seeded tenant A ({seeded.users_a} users) and tenant B ({seeded.users_b}) "
            f"through Dala's services in {time.monotonic() - started:.1f} s"
        )
        server = start_server(
            app_settings(db, secret_key), workdir, args.worker_class, args.workers, args.threads
        )
        worker = args.worker_class + (
            f" ({args.threads} threads)" if args.worker_class == "gthread" else ""
        )
        print(f"gunicorn: {args.workers} {worker} workers on {server.base}")
        check_endpoints(server, seeded)
        meter = CpuMeter(server.process.pid, db)

        targets = [
            (f"GET {BARE_PATH} (bare Flask, no DB)", server.base + BARE_PATH, None),
            (f"GET {LIST_PATH}", server.base + LIST_PATH, seeded.token_a),
        ]
        common: dict[str, Any] = {
            "script": script,
            "connections": args.connections,
            "threads": args.wrk_threads,
        }
        if args.warmup > 0:
            for name, url, token in targets:
                print(f"warm-up {args.warmup:g} s: {name}")
                run_wrk(wrk, name, url, duration=args.warmup, token=token, **common)
        rounds: dict[str, list[Result]] = {name: [] for name, _url, _token in targets}
        for number in range(1, args.rounds + 1):
            for name, url, token in targets:
                label = f" (round {number}/{args.rounds})" if args.rounds > 1 else ""
                print(f"measure {args.duration:g} s: {name}{label}")
                before = meter.snapshot()
                result = run_wrk(wrk, name, url, duration=args.duration, token=token, **common)
                rounds[name].append(replace(result, cpu=meter.usage(before)))

        seconds = max(1, round(args.duration))
        warm = max(1, round(args.warmup)) if args.warmup > 0 else 0
        settings = (
            f"load: wrk, {args.wrk_threads} thread(s), {args.connections} connections, "
            f"{seconds} s per endpoint{f' x {args.rounds} rounds' if args.rounds > 1 else ''} "
            f"after {warm} s warm-up; server: gunicorn {args.workers} x {worker}, "
            f"{os.cpu_count()} CPU(s), Python {platform.python_version()}"
        )
        bare, real = (Summary(name, rounds[name]) for name, _url, _token in targets)
        report(bare, real, settings)
        return 0
    finally:
        if server is not None:
            server.stop()
        if db is not None:
            if args.keep_db:
                print(f"kept database {db.name}\n  owner: {db.owner_url}\n  app:   {db.app_url}")
                if seeded is not None:
                    print(f"  token A: {seeded.token_a}\n  token B: {seeded.token_b}")
            else:
                drop_database(db)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
