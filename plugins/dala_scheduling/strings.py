"""Every text the dispatcher's pages show from JavaScript, marked for Flask-Babel.

The board, calendar and map draw in the browser; each page renders this dict in
its own language as JSON, so the scripts never hold English of their own.
Placeholders are Babel's ``%(name)s`` and are filled in by ``i18n.js``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from dala.work.labels import status_texts

TEXTS: dict[str, Any] = {
    # statuses and priorities (as the technician app words them)
    **status_texts(),
    "priority_low": _l("Low priority"),
    "priority_normal": _l("Normal priority"),
    "priority_high": _l("High priority"),
    "priority_emergency": _l("Emergency"),
    # the board
    "job_number": _l("Job #%(number)s"),
    "loading": _l("Loading…"),
    "load_failed": _l("The board could not be loaded. Check the connection and try again."),
    "queue_empty": _l("No jobs are waiting to be planned."),
    "no_technicians": _l("No technicians work in this branch on these days."),
    "load": _l("Load %(load)s of %(capacity)s"),
    "hours_minutes": _l("%(h)s h %(m)s min"),
    "minutes": _l("%(m)s min"),
    "no_window": _l("Any time"),
    "window": _l("Window %(from)s\u2013%(to)s"),
    "duration": _l("Duration"),
    "pinned": _l("Pinned: the optimiser leaves it where it is"),
    "conflicts": _l("Open sync conflicts"),
    "shift": _l("Shift"),
    "break": _l("Break"),
    "time_off": _l("Time off"),
    "travel": _l("Travel %(m)s min"),
    "stale": _l("Someone else changed job #%(number)s. The board was refreshed."),
    "saved": _l("Job #%(number)s moved."),
    "save_failed": _l("The change was not saved: %(reason)s"),
    "not_allowed": _l("Your role does not allow this action."),
    "network_error": _l("No connection to the server."),
    "live_lost": _l("Live updates paused; reconnecting…"),
    "drop_hint": _l("Drag a job onto a technician's row."),
    # the job panel
    "customer": _l("Customer"),
    "site": _l("Site"),
    "status": _l("Status"),
    "priority": _l("Priority"),
    "scheduled": _l("Planned"),
    "not_scheduled": _l("Time not set"),
    "technicians": _l("Technicians"),
    "unassigned": _l("Unassigned"),
    "required_skills": _l("Skills needed"),
    "skill_level": _l("%(name)s (level %(level)s+)"),
    "suggestions": _l("Suggestions"),
    "suggestions_loading": _l("Looking for the best technicians…"),
    "suggestions_none": _l("Nobody can take this job on that day."),
    "suggestions_failed": _l("Suggestions are not available right now."),
    "unsuitable": _l("Not suitable"),
    "assign": _l("Assign"),
    "assign_at": _l("Assign %(start)s\u2013%(end)s"),
    "assigned": _l("Job #%(number)s assigned to %(name)s."),
    "no_longer_possible": _l("That suggestion is no longer possible; the board was refreshed."),
    "score": _l("Score %(score)s"),
    "bump_title": _l("Move other work for this emergency?"),
    "bump_intro": _l("Assigning %(name)s means:"),
    "bump_unassigned": _l("unassigned"),
    "bump_moved": _l("moved"),
    "bump_confirm": _l("Assign and move the other jobs"),
    "pin": _l("Pin"),
    "unpin": _l("Unpin"),
    "pinned_done": _l("Job #%(number)s pinned."),
    "unpinned_done": _l("Job #%(number)s unpinned."),
    "open_job": _l("Open the job"),
    # sync conflicts: the office changed a job while a technician worked it offline
    "conflicts_badge": _l("Conflicts (%(n)s)"),
    "conflicts_title": _l("Conflicts from the field"),
    "conflicts_loading": _l("Loading the conflicts…"),
    "conflicts_failed": _l("The conflicts could not be loaded."),
    "conflict_office": _l("The office"),
    "conflict_technician": _l("The technician, offline"),
    "conflict_job_cancelled": _l("Cancelled the job."),
    "conflict_job_on_hold": _l("Put the job on hold."),
    "conflict_reassigned": _l("Gave the job to another technician."),
    "conflict_who_when": _l("%(name)s, %(from)s\u2013%(to)s; reached the office %(at)s"),
    "conflict_someone": _l("A technician who is not on this board"),
    "keep_office": _l("Keep the office's change"),
    "keep_technician": _l("Keep the technician's work"),
    "kept_office": _l("Job #%(number)s: the office's change stays."),
    "kept_technician": _l("Job #%(number)s: the technician's work was applied."),
    "conflict_resolved_already": _l("Someone else has decided this conflict already."),
    "conflict_decider": _l("A dispatcher of this branch decides."),
    "work_en_route": _l("On the way"),
    "work_arrive": _l("Arrived on site"),
    "work_complete": _l("Completed the job"),
    "work_hold": _l("Put on hold: %(reason)s"),
    "work_turn_back": _l("Turned back: %(reason)s"),
    "work_checklist_done": _l("Ticked: %(label)s"),
    "work_checklist_undone": _l("Unticked: %(label)s"),
    "work_checklist_item": _l("a checklist item"),
    "work_note": _l("Note: %(text)s"),
    "work_photo": _l("Photo"),
    "work_photo_caption": _l("Photo: %(caption)s"),
    "work_signature": _l("Signed by %(name)s"),
    "work_time_work": _l("Work time %(from)s\u2013%(to)s"),
    "work_time_travel": _l("Travel time %(from)s\u2013%(to)s"),
    "work_time_break": _l("Break %(from)s\u2013%(to)s"),
    "work_part": _l("Part: %(name)s \u00d7 %(quantity)s"),
    "work_other": _l("Other change (%(name)s)"),
    # technicians
    "mark_unavailable": _l("Mark unavailable"),
    "marked_unavailable": _l("%(name)s is marked unavailable; the day is being re-planned."),
    "to_before_from": _l("The end must come after the start."),
    # plans
    "plan_queued": _l("Waiting for a worker…"),
    "plan_running": _l("Planning… %(percent)s%%"),
    "plan_failed": _l("Planning failed. Try again in a moment."),
    "plan_stale": _l("The day changed while planning; plan it again."),
    "plan_applied": _l("Plan applied. Jobs changed: %(applied)s; skipped: %(skipped)s."),
    "plan_discarded": _l("The proposal was discarded."),
    "plan_proposed_banner": _l("A new plan was proposed (%(trigger)s)."),
    "review_plan": _l("Review the plan"),
    "close": _l("Close"),
    "trigger_manual": _l("planned by hand"),
    "trigger_sick": _l("technician unavailable"),  # sick or away: the trigger "sick" covers both
    "trigger_overrun": _l("a job ran over"),
    "trigger_emergency": _l("emergency job"),
    "plan_applied_banner": _l("A plan was applied to the board."),
    "technician": _l("Technician"),
    "jobs": _l("Jobs"),
    "travel_h": _l("Travel"),
    "idle": _l("Idle"),
    "overtime": _l("Overtime"),
    "proposed": _l("Proposed"),
    "current": _l("Current"),
    "placed": _l("Jobs placed"),
    "unassigned_reasons": _l("Left unassigned"),
    "plan_free": _l("No jobs: free for more work"),
    "skipped": _l("Skipped"),
    # map
    "home_base": _l("Home base of %(name)s"),
    "route_of": _l("Route of %(name)s"),
    "no_location": _l("Jobs without a location, not on the map: %(n)s."),
    "all_technicians": _l("All technicians"),
    # calendar
    "calendar_today": _l("Today"),
    "calendar_day": _l("Day"),
    "calendar_week": _l("Week"),
}


def texts() -> dict[str, str]:
    """The texts in the request's language (each lazy string resolved now)."""
    return {key: str(text) for key, text in TEXTS.items()}
