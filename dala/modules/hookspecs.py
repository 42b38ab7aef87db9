"""Hook specifications: the contract between core and plug-ins.

Each docstring is the hook's reference documentation (``docs/plugins.md``
repeats it for plug-in authors). Job hooks are called after the change has
committed, in the app context and tenant scope of the change, with a frozen
event (ids and plain values, no ORM objects). Do not write through the
request's session inside a job hook: the transaction is over. Enqueue work or
open a session of your own. A hook implementation that raises is logged with
the plug-in's name and skipped; the change and the other plug-ins are
unaffected.
"""

from __future__ import annotations

import pluggy

from dala.events.domain import JobAssigned, JobCreated, JobScheduled, JobStatusChanged

PROJECT = "dala"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def dala_job_created(event: JobCreated) -> None:
    """A job was created (by a person, an import or the API)."""


@hookspec
def dala_job_scheduled(event: JobScheduled) -> None:
    """A job's planned start/end was set, moved or cleared."""


@hookspec
def dala_job_assigned(event: JobAssigned) -> None:
    """The technicians assigned to a job changed (added, removed or a new lead)."""


@hookspec
def dala_job_status_changed(event: JobStatusChanged) -> None:
    """A job moved from one status to another through the lifecycle (every transition)."""


@hookspec
def dala_job_completed(event: JobStatusChanged) -> None:
    """A job reached ``completed``; called after :func:`dala_job_status_changed`."""
