"""The skill catalogue of a company."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from dala.errors import Conflict, NotFound
from dala.storage.blind_index import name_tokens
from dala.tenancy.scoping import get_scoped
from dala.work.job_models import JobType
from dala.work.models import Skill


def skill_key(name: str) -> str:
    """A skill name folded for uniqueness: case, accents and spacing do not matter."""
    return " ".join(name_tokens(name)) or name.strip().casefold()


def skills_query(text: str | None = None) -> Select[Any]:
    """The catalogue by name, narrowed to names containing ``text``."""
    query = select(Skill).order_by(Skill.name_key, Skill.id)
    if text:
        query = query.where(Skill.name_key.contains(skill_key(text), autoescape=True))
    return query


def get_skill(session: Session, skill_id: uuid.UUID) -> Skill:
    skill = get_scoped(session, Skill, skill_id)
    if skill is None:
        raise NotFound(_("Skill not found."))
    return skill


def _check_free(session: Session, key: str, own_id: uuid.UUID | None = None) -> None:
    taken = session.scalar(select(Skill.id).where(Skill.name_key == key))
    if taken is not None and taken != own_id:
        message = _("A skill with this name exists.")
        raise Conflict(message, errors={"name": [message]})


def create_skill(session: Session, data: dict[str, Any]) -> Skill:
    key = skill_key(data["name"])
    _check_free(session, key)
    skill = Skill(
        id=uuid.uuid4(),
        name=data["name"].strip(),
        name_key=key,
        description=data.get("description", ""),
    )
    session.add(skill)
    session.flush()
    return skill


def update_skill(session: Session, skill: Skill, data: dict[str, Any]) -> Skill:
    if "name" in data:
        key = skill_key(data["name"])
        _check_free(session, key, skill.id)
        skill.name, skill.name_key = data["name"].strip(), key
    if "description" in data:
        skill.description = data["description"]
    session.flush()
    return skill


def delete_skill(session: Session, skill: Skill) -> None:
    """Delete a skill; technicians lose it and job types stop requiring it.

    Jobs keep their copy of the requirement as it was (their history).
    """
    for job_type in session.scalars(select(JobType)):
        kept = [r for r in job_type.required_skills if r["skill_id"] != str(skill.id)]
        if kept != job_type.required_skills:
            job_type.required_skills = kept
    session.delete(skill)
    session.flush()
