"""Technicians: the field staff profile of a user, with skills, hours, time off and cost."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session, selectinload

from dala.auth.models import User
from dala.db import utcnow
from dala.errors import Conflict, NotFound
from dala.events import live
from dala.tenancy import context
from dala.tenancy.services import get_branch
from dala.work import jobs, lifecycle
from dala.work.jobs import Actor
from dala.work.models import Technician, TechnicianSkill, TimeOff
from dala.work.skills import check_skills_exist

_FIELDS = (
    "active",
    "home_address",
    "home_latitude",
    "home_longitude",
    "working_hours",
    "hourly_cost_minor",
    "currency",
)


def technicians_query() -> Select[Any]:
    """Technicians by name, with their user and skills loaded in a fixed number of queries."""
    return (
        select(Technician)
        .join(Technician.user)
        .options(selectinload(Technician.skills))
        .order_by(User.name, Technician.id)
    )


def select_skilled(skill_id: uuid.UUID, min_level: int = 1) -> Select[Any]:
    """Ids of technicians with ``skill_id`` at ``min_level`` or above."""
    return select(TechnicianSkill.technician_id).where(
        TechnicianSkill.skill_id == skill_id, TechnicianSkill.level >= min_level
    )


def get_technician(session: Session, technician_id: uuid.UUID) -> Technician:
    technician = session.scalars(
        technicians_query().where(Technician.id == technician_id)
    ).one_or_none()
    if technician is None:
        raise NotFound(_("Technician not found."))
    return technician


def technician_of_user(session: Session, user_id: uuid.UUID) -> Technician | None:
    """The technician profile of a user, if they have one."""
    return session.scalars(select(Technician).where(Technician.user_id == user_id)).one_or_none()


def _set_skills(session: Session, technician: Technician, skills: list[dict[str, Any]]) -> None:
    wanted = {s["skill_id"]: s.get("level", 3) for s in skills}
    check_skills_exist(session, wanted, "skills")
    session.execute(
        delete(TechnicianSkill)
        .where(TechnicianSkill.technician_id == technician.id)
        .execution_options(synchronize_session=False)
    )
    session.add_all(
        TechnicianSkill(id=uuid.uuid4(), technician_id=technician.id, skill_id=s, level=level)
        for s, level in wanted.items()
    )


def create_technician(session: Session, data: dict[str, Any]) -> Technician:
    """Make a company user a technician in a branch (one profile per user)."""
    user = session.scalars(select(User).where(User.id == data["user_id"])).one_or_none()
    if user is None:
        raise NotFound(_("User not found."))
    branch = get_branch(session, data["branch_id"])
    if technician_of_user(session, user.id) is not None:
        message = _("This user is a technician already.")
        raise Conflict(message, errors={"user_id": [message]})
    technician = Technician(
        id=uuid.uuid4(),
        user_id=user.id,
        branch_id=branch.id,
        **{f: data[f] for f in _FIELDS if f in data},
    )
    technician.currency = data.get("currency") or branch.currency
    session.add(technician)
    session.flush()
    _set_skills(session, technician, data.get("skills", []))
    session.flush()
    _announce(session, technician.id, branch.id, "created", active=technician.active)
    return get_technician(session, technician.id)


def _announce(
    session: Session, technician_id: uuid.UUID, branch_id: uuid.UUID, what: str, **values: Any
) -> None:
    """Tell the branch's live streams (dispatch boards) after the commit; ids and plain
    values only (a time off's reason and note stay out)."""
    data = {"technician_id": technician_id, "branch_id": branch_id, "what": what, **values}
    live.publish_after_commit(
        session, context.current_tenant_id(), branch_id, "technician.changed", data
    )


def update_technician(session: Session, technician: Technician, data: dict[str, Any]) -> None:
    before = technician.branch_id
    if "branch_id" in data:
        technician.branch_id = get_branch(session, data["branch_id"]).id
    for field in _FIELDS:
        if field in data:
            setattr(technician, field, data[field])
    if "skills" in data:
        _set_skills(session, technician, data["skills"])
        technician.updated_at = utcnow()  # the version (ETag) moves with the skills
        session.flush()
        session.refresh(technician, ["skills"])
    session.flush()
    for branch_id in dict.fromkeys((before, technician.branch_id)):
        _announce(session, technician.id, branch_id, "updated", active=technician.active)


def delete_technician(session: Session, technician: Technician, actor: Actor) -> None:
    """Remove a profile entered by mistake; the user stays.

    A technician with work under way or done stays (deactivate them instead), so
    no job in progress loses its technician and the history keeps who did what;
    their open jobs (draft, scheduled, on hold, cancelled) are unassigned first.
    """
    held = jobs.jobs_of_technician(session, technician.id)
    kept = sorted(j.number for j in held if j.status in lifecycle.NEEDS_TECHNICIAN)
    if kept:
        raise Conflict(
            _(
                "The technician has jobs under way or done (%(numbers)s); deactivate them instead.",
                numbers=", ".join(f"#{n}" for n in kept[:5]),
            )
        )
    for job in held:
        jobs.unassign(session, job, technician.id, actor)
    session.delete(technician)
    session.flush()
    _announce(session, technician.id, technician.branch_id, "removed")


def time_off_query(technician_id: uuid.UUID) -> Select[Any]:
    return (
        select(TimeOff)
        .where(TimeOff.technician_id == technician_id)
        .order_by(TimeOff.starts_at.desc(), TimeOff.id)
    )


def add_time_off(session: Session, technician: Technician, data: dict[str, Any]) -> TimeOff:
    entry = TimeOff(
        id=uuid.uuid4(),
        technician_id=technician.id,
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        reason=data.get("reason", "other"),
        note=data.get("note"),
    )
    session.add(entry)
    session.flush()
    _announce(
        session,
        technician.id,
        technician.branch_id,
        "time_off_added",
        time_off_id=entry.id,
        starts_at=entry.starts_at.isoformat(),
        ends_at=entry.ends_at.isoformat(),
    )
    return entry


def get_time_off(session: Session, technician: Technician, entry_id: uuid.UUID) -> TimeOff:
    entry = session.scalars(
        select(TimeOff).where(TimeOff.id == entry_id, TimeOff.technician_id == technician.id)
    ).one_or_none()
    if entry is None:
        raise NotFound(_("Time off not found."))
    return entry


def remove_time_off(session: Session, entry: TimeOff) -> None:
    branch_id = session.scalars(
        select(Technician.branch_id).where(Technician.id == entry.technician_id)
    ).one()
    session.delete(entry)
    session.flush()
    _announce(session, entry.technician_id, branch_id, "time_off_removed", time_off_id=entry.id)
