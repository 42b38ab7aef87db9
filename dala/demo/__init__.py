"""The demo company "Almaty Climate Service": two branches, staff for every built-in role,
12 technicians, 150 customers with their sites and 300 jobs around today.

Everything is made with the same services the API uses, from a fixed random seed: the
same people, customers, addresses and kinds of work every time. Jobs are placed relative
to the day of seeding (the past two weeks and the next one) and their statuses follow
from the time of seeding; so do the transition times. Safe to re-run: once the company
has jobs, a second run only resets the demo logins.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.grants import grant_role
from dala.auth.models import RoleAssignment, User, UserStatus
from dala.auth.users import invite_user, new_session_nonce, set_password
from dala.db import get_session, utcnow
from dala.modules.enablement import set_state
from dala.modules.host import hooks
from dala.modules.manifest import Level
from dala.modules.models import ModuleState
from dala.operators.services import ensure_operator
from dala.tenancy import context
from dala.tenancy.models import Branch, Tenant
from dala.tenancy.services import create_branch, signup, update_branch, update_tenant
from dala.work.customers import add_contact, create_customer
from dala.work.job_models import Job
from dala.work.job_types import create_job_type
from dala.work.models import Contact, Customer, CustomerKind, Site, Technician
from dala.work.sites import create_site
from dala.work.skills import create_skill
from dala.work.technicians import add_time_off, create_technician

from . import names
from .catalogue import (
    BRANCHES,
    COMPANY_NAME,
    CONTRACT_TAG,
    JOB_KINDS,
    SKILLS,
    STAFF,
    TECHS,
    TIME_OFF,
    working_hours,
)
from .jobs import Client, Crew, Planner, World
from .run import backdate, run

DEMO_SLUG = "demo"
DEMO_PASSWORD = "dala-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_SEED = 2026
JOB_COUNT = 300
CUSTOMER_COUNT = {"almaty": 90, "astana": 60}  # one in five a company

Login = tuple[str, str, str]

#: The demo's platform operator: signs in to the operator console, not to the company.
DEMO_OPERATOR_EMAIL = "operator@dala.example"
DEMO_OPERATOR_NAME = "Dana Operator"


def seed_demo(*, slug: str = DEMO_SLUG, now: datetime | None = None) -> list[Login]:
    """Create the demo company (or reset its logins); returns (role, e-mail, password).

    ``now`` is the moment the jobs are arranged around (the current time by default).
    """
    session = get_session()
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    fresh = tenant is None
    if tenant is None:
        owner = STAFF[0]
        name, timezone, _address = BRANCHES["almaty"]
        tenant = signup(
            session,
            company_name=COMPANY_NAME,
            email=owner.email,
            password=DEMO_PASSWORD,
            branch_name=name,
            timezone=timezone,
            owner_name=owner.name,
            slug=slug,
            currency="KZT",
            locale="ru",
        ).tenant
        session.commit()
    with context.tenant_scope(tenant.id):
        if tenant.name != COMPANY_NAME:  # a demo made by an earlier version
            update_tenant(session, tenant, {"name": COMPANY_NAME})
        branches = _branches(session)
        users = _people(session, branches, fresh)
        if session.scalar(select(ModuleState.id).limit(1)) is None:
            _switch_modules_on(session, branches)
        if session.scalar(select(Job.id).limit(1)) is None:
            _fill(session, branches, users, now or utcnow())
        session.commit()
    first_technicians: dict[str, str] = {}
    for tech in TECHS:
        first_technicians.setdefault(tech.branch, tech.email)
    return [(s.role, s.email, DEMO_PASSWORD) for s in STAFF] + [
        ("technician", email, DEMO_PASSWORD) for email in first_technicians.values()
    ]


def seed_demo_operator() -> Login:
    """Create the demo operator (or make them active with the demo password again)."""
    session = get_session()
    ensure_operator(
        session, email=DEMO_OPERATOR_EMAIL, name=DEMO_OPERATOR_NAME, password=DEMO_PASSWORD
    )
    session.commit()
    return ("operator", DEMO_OPERATOR_EMAIL, DEMO_PASSWORD)


#: Optional modules the demo company shows switched on (when installed).
DEMO_MODULES = ("dala_tracking", "dala_messaging", "dala_crm", "acme_warranty")


def _switch_modules_on(session: Session, branches: dict[str, Branch]) -> None:
    """The demo runs with every module on: defaults are, the optional ones listed here."""
    manifests = hooks(current_app).manifests
    for name in DEMO_MODULES:
        manifest = manifests.get(name)
        if manifest is None:
            continue
        scopes = [None] if manifest.level == Level.TENANT else [b.id for b in branches.values()]
        for branch_id in scopes:
            set_state(session, manifests, name, branch_id=branch_id, enabled=True)


def _branches(session: Session) -> dict[str, Branch]:
    existing = {b.name: b for b in session.scalars(select(Branch))}
    branches = {}
    for key, (name, timezone, address) in BRANCHES.items():
        branch = existing.get(name)
        if branch is None:
            branch = create_branch(
                session,
                {
                    "name": name,
                    "timezone": timezone,
                    "address": address,
                    "currency": "KZT",
                    "locale": "ru",
                },
            )
        elif not branch.address:
            update_branch(session, branch, {"address": address})
        branches[key] = branch
    return branches


def _people(session: Session, branches: dict[str, Branch], fresh: bool) -> dict[str, User]:
    """Every demo user, active with the demo password, holding their role.

    ``fresh``: the owner has just signed up with the demo password.
    """
    wanted = [(s.email, s.name, s.role, s.branch) for s in STAFF]
    wanted += [(t.email, t.name, "technician", t.branch) for t in TECHS]
    users: dict[str, User] = {}
    for email, name, role, branch_key in wanted:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = invite_user(session, email=email, name=name, locale="ru")
        branch_id = branches[branch_key].id if branch_key else None
        held = session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.user_id == user.id,
                RoleAssignment.role == role,
                RoleAssignment.branch_id.is_(None)
                if branch_id is None
                else RoleAssignment.branch_id == branch_id,
            )
        )
        if held is None:
            grant_role(session, user_id=user.id, role_key=role, branch_id=branch_id)
        users[email] = user
    # One argon2 hash for every login: hashing 18 passwords at production cost takes seconds.
    first, *others = users.values()
    if not fresh:
        set_password(first, DEMO_PASSWORD)
    for user in [first, *others]:
        user.password_hash = first.password_hash
        user.session_nonce = new_session_nonce()
        user.status = UserStatus.ACTIVE
    session.flush()
    return users


def _local(day: datetime, tz: ZoneInfo, at: time) -> datetime:
    return datetime.combine(day.astimezone(tz).date(), at, tz).astimezone(UTC)


def _fill(
    session: Session, branches: dict[str, Branch], users: dict[str, User], now: datetime
) -> None:
    """Skills, job types, technicians, customers with sites, then the jobs."""
    rng = random.Random(DEMO_SEED)  # noqa: S311 - demo data, not secrets
    skills = {
        key: create_skill(session, {"name": name, "description": about}).id
        for key, (name, about) in SKILLS.items()
    }
    kinds = {}
    for kind in JOB_KINDS:
        job_type = create_job_type(
            session,
            {
                "name": kind.name,
                "description": "; ".join(kind.problems),
                "default_duration_minutes": kind.minutes,
                "required_skills": [
                    {"skill_id": skills[s], "min_level": level} for s, level in kind.skills
                ],
                "checklist_template": list(kind.checklist),
            },
        )
        kinds[kind.key] = (kind, job_type.id)
    tz = {key: ZoneInfo(b.timezone) for key, b in branches.items()}
    crews = _technicians(session, rng, branches, users, skills, tz, now)
    clients = _customers(session, rng, branches, now)
    dispatchers = {
        s.branch: users[s.email].id for s in STAFF if s.role == "dispatcher" and s.branch
    }
    world = World(now, tz, clients, crews, kinds, dispatchers)
    plans = Planner(world, rng).plan(JOB_COUNT)
    run(session, world, plans)


def _technicians(
    session: Session,
    rng: random.Random,
    branches: dict[str, Branch],
    users: dict[str, User],
    skills: dict[str, uuid.UUID],
    tz: dict[str, ZoneInfo],
    now: datetime,
) -> dict[str, list[Crew]]:
    crews: dict[str, list[Crew]] = {key: [] for key in branches}
    for tech in TECHS:
        home = names.place(rng, names.CITIES[tech.branch], flat=True)
        top = max(level for _skill, level in tech.skills)
        hours = working_hours(tech.saturdays)
        technician: Technician = create_technician(
            session,
            {
                "user_id": users[tech.email].id,
                "branch_id": branches[tech.branch].id,
                "home_address": home.address,
                "home_latitude": home.latitude,
                "home_longitude": home.longitude,
                "working_hours": hours,
                # Tiyn an hour: 3 500 to 6 000 tenge, by experience.
                "hourly_cost_minor": 350_000 + 50_000 * (top - 1) + 10_000 * rng.randint(0, 2),
                "currency": "KZT",
                "skills": [{"skill_id": skills[s], "level": level} for s, level in tech.skills],
            },
        )
        away = []
        for login, first, last, reason, note in TIME_OFF:
            if login != tech.login:
                continue
            zone = tz[tech.branch]
            starts = _local(now + timedelta(days=first), zone, time(0))
            ends = _local(now + timedelta(days=last + 1), zone, time(0))
            add_time_off(
                session,
                technician,
                {"starts_at": starts, "ends_at": ends, "reason": reason, "note": note},
            )
            away.append((starts, ends))
        crews[tech.branch].append(
            Crew.of(
                technician.id,
                technician.user_id,
                tech.branch,
                dict(tech.skills),
                hours,
                away,
            )
        )
    return crews


def _customers(
    session: Session, rng: random.Random, branches: dict[str, Branch], now: datetime
) -> dict[str, list[Client]]:
    """Persons and companies of each city, with one or two sites each."""
    phones: set[str] = set()
    emails: set[str] = set()
    taken_names: set[str] = set()
    companies = iter(names.COMPANIES)
    clients: dict[str, list[Client]] = {key: [] for key in branches}
    backdated: dict[str, list[dict[str, object]]] = {"customers": [], "contacts": [], "sites": []}
    for key, count in CUSTOMER_COUNT.items():
        city = names.CITIES[key]
        for i in range(count):
            is_company = i % 5 == 4
            who = names.person(rng)
            while who.name in taken_names:
                who = names.person(rng)
            taken_names.add(who.name)
            data: dict[str, object] = {"phone": names.phone(rng, phones)}
            if is_company:
                brand = next(companies)
                contract = rng.random() < 0.5
                data |= {
                    "kind": CustomerKind.COMPANY,
                    "name": brand,
                    "contact_name": who.name,
                    "email": f"info@{names.latin(brand.split(' ', 1)[1])}.kz",
                    "notes": rng.choice(names.COMPANY_NOTES) if rng.random() < 0.6 else None,
                    "tags": ["b2b", CONTRACT_TAG] if contract else ["b2b"],
                    "preferred_language": "ru",
                }
            else:
                contract = False
                data |= {
                    "kind": CustomerKind.PERSON,
                    "name": who.name,
                    "email": names.email(rng, who, emails) if rng.random() < 0.45 else None,
                    "notes": rng.choice(names.PERSON_NOTES) if rng.random() < 0.3 else None,
                    "tags": ["vip"] if rng.random() < 0.06 else [],
                    "preferred_language": "kk" if who.kazakh and rng.random() < 0.4 else "ru",
                }
            customer = create_customer(session, data)
            since = now - timedelta(days=rng.randint(20, 900), minutes=rng.randint(0, 600))
            if rng.random() < (0.4 if is_company else 0.08):
                other = names.person(rng)
                add_contact(
                    session,
                    customer,
                    {"name": other.name, "phone": names.phone(rng, phones)},
                )
            sites = []
            labels = ("Офис", "Склад") if is_company else ("Дом", "Квартира родителей")
            for n in range(2 if rng.random() < (0.4 if is_company else 0.2) else 1):
                where = names.place(
                    rng,
                    city,
                    flat=not is_company and rng.random() < 0.75,
                    office=is_company and n == 0,
                )
                label = labels[n] if is_company or n else ("Квартира" if where.has_flat else "Дом")
                site = create_site(
                    session,
                    {
                        "customer_id": customer.id,
                        "branch_id": branches[key].id,
                        "label": label,
                        "address": where.address,
                        "access_notes": names.access_note(rng) if rng.random() < 0.45 else None,
                        "latitude": where.latitude,
                        "longitude": where.longitude,
                    },
                )
                sites.append(site.id)
            # Customers came over the past years, not all today.
            stamps: dict[str, object] = {"created_at": since, "updated_at": since}
            backdated["customers"].append({"id": customer.id} | stamps)
            backdated["contacts"].append({"customer_id": customer.id} | stamps)
            backdated["sites"] += [{"id": site_id} | stamps for site_id in sites]
            clients[key].append(Client(customer.id, tuple(sites), is_company, contract))
    session.flush()
    backdate(session, Customer, ("id",), backdated["customers"])
    backdate(session, Contact, ("customer_id",), backdated["contacts"])
    backdate(session, Site, ("id",), backdated["sites"])
    return clients
