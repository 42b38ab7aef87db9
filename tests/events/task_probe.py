"""Tasks for the task tests; ``dala worker --import tests.events.task_probe`` loads them."""

from __future__ import annotations

import time

from flask import current_app, has_app_context
from huey.api import Task
from sqlalchemy import func, select

from dala.db import get_session
from dala.events.task_queue import queue_of
from dala.events.tasks import current_task_id, report_progress, task_user_id, tenant_task
from dala.tenancy import context
from dala.tenancy.models import Branch

GO_WAIT = 20.0


@tenant_task
def where_am_i(tag: str) -> dict[str, object]:
    """What the task sees: its company, branch, user and the branches its queries find."""
    ctx = context.current()
    assert ctx is not None
    report_progress(0.5, "looking around")
    return {
        "tag": tag,
        "tenant": ctx.tenant_id,
        "branch": ctx.branch_id,
        "user": task_user_id(),
        "task": current_task_id(),
        "branches_seen": get_session().scalar(select(func.count()).select_from(Branch)),
    }


@tenant_task
def fail(tag: str) -> None:
    raise ValueError(f"the customer Алия Нурланова said no ({tag})")


@tenant_task
def wait_for_go() -> str:
    """Reports progress, then waits until the test puts ``go:<task id>`` in the queue's
    storage (so the test can read the progress while the task runs)."""
    report_progress(0.25, "waiting for go")
    key = f"go:{current_task_id()}"
    deadline = time.monotonic() + GO_WAIT
    while time.monotonic() < deadline:
        if queue_of().huey.get(key, peek=True):
            return "went"
        time.sleep(0.05)
    raise TimeoutError("no go")


def _context_after(task: Task, value: object, exc: BaseException | None) -> None:
    """After each task, still in the worker thread: which company is set now (none, we hope)."""
    ctx = context.current()
    queue_of(app).huey.put(f"after:{task.id}", "none" if ctx is None else str(ctx.tenant_id))


if has_app_context():  # in the worker: watch every task's aftermath
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    queue_of(app).huey.post_execute("context_after")(_context_after)
