"""What one live stream may carry: whole branches where its user reads jobs, and beyond
them only what concerns the user's own work as a technician.

A technician reads no branch's jobs (``job:read``), only their own: their phone's
stream carries the messages that name their technician profile or one of their
jobs, and never another technician's comings and goings. Which jobs are theirs is
read once when the stream opens, then followed from the assignment messages it sees
(a job given to them joins, one taken away leaves after that message has been sent).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dala.events.live import LiveMessage
from dala.work.job_models import JobAssignment


@dataclass
class OwnWork:
    """One technician's jobs, followed through the messages of a stream."""

    technician_id: str
    job_ids: set[str] = field(default_factory=set)

    def concerns(self, data: dict[str, Any]) -> bool:
        """Whether a message's data names this technician or one of their jobs.

        A message with a job and its technicians (an assignment) also updates which
        jobs are theirs: the message that takes a job away is still theirs to see.
        """
        named = data.get("technician_id") == self.technician_id or self.technician_id in (
            data.get("technician_ids") or ()
        )
        job_id = data.get("job_id")
        if not isinstance(job_id, str):
            return named
        held = job_id in self.job_ids
        if "technician_ids" in data:
            if named:
                self.job_ids.add(job_id)
            else:
                self.job_ids.discard(job_id)
        return held or named


def own_work(session: Session, technician_id: uuid.UUID) -> OwnWork:
    """The technician's jobs as they stand (every job assigned to them, open or closed)."""
    jobs = session.scalars(
        select(JobAssignment.job_id).where(JobAssignment.technician_id == technician_id)
    )
    return OwnWork(str(technician_id), {str(job_id) for job_id in jobs})


@dataclass(frozen=True)
class StreamScope:
    """``whole``: the branches carried whole (``None``: all); ``own``: the technician whose
    own work is carried from the other branches too (``None``: nothing more)."""

    whole: frozenset[uuid.UUID] | None
    own: OwnWork | None = None

    def carries(self, message: LiveMessage) -> bool:
        # The technician's part is read first, whatever the branch: it follows their jobs.
        concerned = self.own is not None and self._concerns(self.own, message)
        return concerned or self.whole is None or message.branch_id in self.whole

    @staticmethod
    def _concerns(own: OwnWork, message: LiveMessage) -> bool:
        try:
            data = json.loads(message.data)
        except ValueError:
            return False
        return isinstance(data, dict) and own.concerns(data)
