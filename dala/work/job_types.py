"""Job types: default duration, required skills and the checklist new jobs start with."""

from __future__ import annotations

import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from dala.errors import NotFound
from dala.work.job_models import Job, JobType
from dala.work.skills import check_name_free, check_skills_exist, skill_key

_FIELDS = ("description", "default_duration_minutes", "checklist_template")


def job_types_query(text: str | None = None) -> Select[Any]:
    query = select(JobType).order_by(JobType.name_key, JobType.id)
    if text:
        query = query.where(JobType.name_key.contains(skill_key(text), autoescape=True))
    return query


def get_job_type(session: Session, job_type_id: uuid.UUID) -> JobType:
    job_type = session.scalars(select(JobType).where(JobType.id == job_type_id)).one_or_none()
    if job_type is None:
        raise NotFound(_("Job type not found."))
    return job_type


def skill_requirements(session: Session, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{skill_id, min_level}]`` checked against the catalogue, stored as JSON."""
    check_skills_exist(session, (w["skill_id"] for w in wanted), "required_skills")
    merged = {w["skill_id"]: w.get("min_level", 1) for w in wanted}
    return [{"skill_id": str(s), "min_level": level} for s, level in merged.items()]


def _check_free(session: Session, key: str, own_id: uuid.UUID | None = None) -> None:
    check_name_free(session, JobType, key, own_id, _("A job type with this name exists."))


def create_job_type(session: Session, data: dict[str, Any]) -> JobType:
    key = skill_key(data["name"])
    _check_free(session, key)
    job_type = JobType(
        id=uuid.uuid4(),
        name=data["name"].strip(),
        name_key=key,
        required_skills=skill_requirements(session, data.get("required_skills", [])),
        **{f: data[f] for f in _FIELDS if f in data},
    )
    session.add(job_type)
    session.flush()
    return job_type


def update_job_type(session: Session, job_type: JobType, data: dict[str, Any]) -> None:
    if "name" in data:
        key = skill_key(data["name"])
        _check_free(session, key, job_type.id)
        job_type.name, job_type.name_key = data["name"].strip(), key
    if "required_skills" in data:
        job_type.required_skills = skill_requirements(session, data["required_skills"])
    for field in _FIELDS:
        if field in data:
            setattr(job_type, field, data[field])
    session.flush()


def delete_job_type(session: Session, job_type: JobType) -> None:
    """Delete a type; its jobs keep their own copy of skills and checklist, untyped."""
    session.execute(
        update(Job)
        .where(Job.job_type_id == job_type.id)
        .values(job_type_id=None, version=Job.version + 1)
        .execution_options(synchronize_session=False)
    )
    session.delete(job_type)
    session.flush()
