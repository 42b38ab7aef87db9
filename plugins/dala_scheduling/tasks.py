"""Scheduling's background tasks: optimising a day and re-planning after a change; every
minute, a look for jobs running over across companies."""

from __future__ import annotations

import uuid
from datetime import datetime

from huey import crontab

from dala.db import get_session, utcnow
from dala.events.periodic import periodic_task
from dala.events.tasks import enqueue, report_progress, tenant_task
from dala.tenancy import context
from dala_scheduling.models import PlanStatus


@tenant_task
def run_plan(run_id: str) -> dict[str, object]:
    """Optimise a queued run's day into a proposal (its progress on the run and the task)."""
    from dala_scheduling import plans

    session = get_session()
    run = plans.get_run(session, uuid.UUID(run_id))
    if run.status != PlanStatus.QUEUED:
        return {"status": run.status.value}
    run.status = PlanStatus.RUNNING
    session.commit()
    shown = [0.0]

    def progress(done: float) -> None:
        report_progress(done, "planning")
        # A row write per tenth is plenty for a progress bar.
        if done - shown[0] >= 0.1 and done < 1.0:
            shown[0] = done
            run.progress = round(done, 2)
            session.commit()

    try:
        plans.compute(session, run, progress)
    except Exception as error:
        session.rollback()
        run = plans.get_run(session, uuid.UUID(run_id))
        run.status = PlanStatus.FAILED
        run.error = type(error).__name__
        session.commit()
        raise
    plans.notify(
        session, run, "plan.proposed", run.proposal["technician_ids"] if run.proposal else ()
    )
    session.commit()
    return {"status": run.status.value}


@tenant_task
def run_replan(
    branch_id: str, day: str, trigger: str, now: str, run_id: str | None = None
) -> dict[str, object]:
    """Re-plan the rest of a branch's day after a change (sick, emergency, overrun)."""
    from datetime import date

    from dala_scheduling import replan
    from dala_scheduling.models import PlanTrigger
    from dala_scheduling.plans import get_run

    session = get_session()
    run = replan.replan_day(
        session,
        uuid.UUID(branch_id),
        date.fromisoformat(day),
        PlanTrigger(trigger),
        now=datetime.fromisoformat(now),
        run=get_run(session, uuid.UUID(run_id)) if run_id else None,
    )
    session.commit()
    return {"plan_id": str(run.id) if run else None}


@tenant_task
def check_overruns(now: str) -> dict[str, object]:
    """Re-plan the days of technicians still on site past a job's planned end."""
    from dala_scheduling import replan

    session = get_session()
    done = replan.replan_overruns(session, datetime.fromisoformat(now))
    session.commit()
    return {"replanned": len(done)}


@periodic_task(crontab(minute="*"))
def overruns_every_minute() -> dict[str, object]:
    """Each company with a job running over in a branch that schedules gets its
    :func:`check_overruns`, queued as that company."""
    from dala_scheduling import replan

    session = get_session()
    now = utcnow()
    companies = replan.companies_with_overruns(session, now)
    # Nothing of this read is kept: each company's check reads again in its own task.
    session.rollback()
    for tenant_id in companies:
        with context.tenant_scope(tenant_id):
            enqueue(check_overruns, now.isoformat())
    return {"companies": len(companies)}
