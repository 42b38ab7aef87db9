"""The skill catalogue of a company."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, Protocol

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


class Named(Protocol):
    """A catalogue entry whose folded name is unique in the company."""

    id: Any
    name_key: Any


def check_name_free(
    session: Session, model: type[Named], key: str, own_id: uuid.UUID | None, message: str
) -> None:
    """409 on ``name`` when another row of ``model`` has the folded name ``key``."""
    taken = session.scalar(select(model.id).where(model.name_key == key))
    if taken is not None and taken != own_id:
        raise Conflict(message, errors={"name": [message]})


def _check_free(session: Session, key: str, own_id: uuid.UUID | None = None) -> None:
    check_name_free(session, Skill, key, own_id, _("A skill with this name exists."))


def check_skills_exist(session: Session, ids: Iterable[uuid.UUID], field: str) -> None:
    """404 naming ``field`` when one of ``ids`` is not in the company's catalogue."""
    wanted = set(ids)
    known = set(session.scalars(select(Skill.id).where(Skill.id.in_(wanted))))
    missing = [str(i) for i in wanted - known]
    if missing:
        raise NotFound(
            _("Skill not found."), errors={field: [_("Unknown skill: %(id)s", id=missing[0])]}
        )


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
