"""Who may see and work on which job: branch roles see the branch, technicians their own."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.auth.guard import AllBranches, Principal, permitted_branches
from dala.errors import Forbidden, NotFound
from dala.work import lifecycle
from dala.work.job_models import Job, JobStatus
from dala.work.jobs import Visibility
from dala.work.models import Technician
from dala.work.technicians import technician_of_user

#: What a technician may do to a job they are assigned to, with ``job:work``.
WORK = "job:work"


_OWN = "dala.own_technician"


def own_technician_id(session: Session, principal: Principal) -> uuid.UUID | None:
    """The caller's technician profile, if they may work jobs and have one.

    Found once per session: a sync push checks it for each of up to 200 mutations.
    """
    if not principal.can_somewhere(WORK) and not principal.can(WORK):
        return None
    known: dict[uuid.UUID, uuid.UUID] = session.info.setdefault(_OWN, {})
    if principal.user.id not in known:
        technician = technician_of_user(session, principal.user.id)
        if technician is None:
            return None
        known[principal.user.id] = technician.id
    return known[principal.user.id]


def visibility(session: Session, principal: Principal) -> Visibility:
    """The jobs ``principal`` may list: whole branches (``job:read``) plus their own."""
    branches = permitted_branches("job:read")
    own = own_technician_id(session, principal)
    if isinstance(branches, AllBranches):
        return Visibility(True, frozenset(), own)
    if not branches and own is None and not principal.can_somewhere(WORK):
        raise Forbidden(_("Your role does not allow this action."))
    return Visibility(False, frozenset(branches), own)


def _assigned(session: Session, principal: Principal, job: Job) -> bool:
    own = own_technician_id(session, principal)
    return own is not None and own in job.technician_ids


def check(
    session: Session, principal: Principal, job: Job, permission: str, *, field: bool = False
) -> None:
    """Allow ``permission`` on ``job`` in its branch, or (``field``) as its assigned technician.

    ``field`` marks what technicians do on their own jobs: read them, move them
    through the field steps, tick the checklist, add files. A technician who is
    not assigned gets 404: other people's jobs do not exist for them.
    """
    if principal.can(permission, job.branch_id):
        return
    if _assigned(session, principal, job):
        if field:
            return
        raise Forbidden(_("Your role does not allow this action."))
    if principal.can(permission) or principal.can_somewhere(permission):
        raise Forbidden(_("Your role does not allow this action in this branch."))
    if principal.can_somewhere(WORK) or principal.can(WORK):
        raise NotFound(_("Job not found."))
    raise Forbidden(_("Your role does not allow this action."))


def check_transition(session: Session, principal: Principal, job: Job, to: JobStatus) -> None:
    """Dispatchers move any job of their branch; technicians their own, in the field steps."""
    if principal.can("job:transition", job.branch_id):
        return
    check(session, principal, job, "job:transition", field=True)
    if (job.status, to) not in lifecycle.FIELD_STEPS and to in lifecycle.TRANSITIONS[job.status]:
        raise Forbidden(
            _(
                "Only the office can move a job from %(from)s to %(to)s.",
                **{"from": job.status.value, "to": to.value},
            )
        )


def check_assignees(session: Session, principal: Principal, job: Job) -> None:
    """Technicians of another branch may be put on a job only by who plans that branch."""
    ids = job.technician_ids
    if not ids:
        return
    branches = set(session.scalars(select(Technician.branch_id).where(Technician.id.in_(ids))))
    for branch_id in branches - {job.branch_id}:
        if not principal.can("job:update", branch_id):
            message = _("You cannot assign technicians of a branch you do not plan.")
            raise Forbidden(message, errors={"technician_ids": [message]})
