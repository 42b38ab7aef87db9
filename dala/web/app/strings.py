"""Every text the technician app shows, marked for Flask-Babel and sent to the app as JSON.

The app renders its screens in the browser, offline, so the shell carries these
texts in every language at once. Placeholders are Babel's ``%(name)s`` here and
reach the app as ``{name}``; plurals reach it as one text per CLDR plural category
of each language (Russian has three), which the app picks with ``Intl.PluralRules``.
"""

from __future__ import annotations

import re
from typing import Any

from babel import Locale
from flask_babel import force_locale, ngettext
from flask_babel import lazy_gettext as _l

from dala.tenancy.regions import SUPPORTED_LOCALES
from dala.work.labels import status_texts

TEXTS: dict[str, Any] = {
    # sign-in and account
    "signin_title": _l("Technician sign-in"),
    "signin_intro": _l("Sign in once; the app then works without a network."),
    "company_id": _l("Company ID"),
    "email": _l("E-mail"),
    "password": _l("Password"),
    "sign_in": _l("Sign in"),
    "sign_out": _l("Sign out"),
    "language": _l("Language"),
    "signin_fill_all": _l("Enter your company ID, e-mail and password."),
    "signin_offline": _l(
        "No connection to the server. Signing in needs the internet once; try again when "
        "you have a signal."
    ),
    "signin_not_technician": _l(
        "This app is for technicians: your role has no jobs to work. Use the web portal."
    ),
    "signed_out_revoked": _l(
        "Your sign-in on this phone was ended by your company, and the data on it was "
        "removed. Sign in again to continue."
    ),
    "signin_expired": _l("Your sign-in has expired; sign in again."),
    "signin_expired_other_user": _l("Signing in as someone else removes them from this phone."),
    "title_me": _l("My account"),
    "install_title": _l("Install on your phone"),
    "install_text": _l(
        "In your browser's menu choose \u201cAdd to Home screen\u201d or \u201cInstall "
        "app\u201d. The app then opens like any other, even with no signal."
    ),
    # the day
    "title_jobs": _l("My jobs"),
    "yesterday": _l("Yesterday"),
    "today": _l("Today"),
    "tomorrow": _l("Tomorrow"),
    "day": _l("Day"),
    "no_jobs": _l("No jobs on this day."),
    "up_next": _l("Up next"),
    "not_scheduled": _l("Time not set"),
    "arrival_window": _l("Arrive between %(from)s and %(to)s"),
    "distance_m": _l("%(n)s m"),
    "distance_km": _l("%(n)s km"),
    "pull_to_refresh": _l("Pull down to refresh"),
    "release_to_refresh": _l("Release to refresh"),
    # statuses and steps
    **status_texts(),
    "priority_high": _l("High priority"),
    "priority_emergency": _l("Emergency"),
    "step_en_route": _l("On my way"),
    "step_arrive": _l("Arrived"),
    "step_complete": _l("Complete"),
    "hold": _l("Put on hold"),
    "hold_title": _l("Put the job on hold"),
    "turn_back": _l("Turn back"),
    "turn_back_title": _l("Turn back from this job"),
    "reason": _l("Reason (the office sees it)"),
    "reason_required": _l("Say why."),
    "waiting_for_dispatch": _l("The office has not sent this job to you yet."),
    # the job
    "title_job": _l("Job"),
    "title_job_number": _l("Job #%(number)s"),
    "job_gone": _l("This job is no longer on your list."),
    "back": _l("Back"),
    "customer": _l("Customer"),
    "call": _l("Call"),
    "site": _l("Site"),
    "navigate": _l("Navigate"),
    "maps": _l("Maps"),
    "yandex_maps": _l("Yandex Maps"),
    "description": _l("Description"),
    "checklist": _l("Checklist"),
    "ticked": _l("Ticked"),
    "unticked": _l("Unticked"),
    "photos": _l("Photos"),
    "photo": _l("Photo"),
    "take_photo": _l("Take a photo"),
    "photo_on_server": _l("Saved in the office"),
    "parts": _l("Parts used"),
    "part": _l("Part"),
    "add_part": _l("Add a part"),
    "part_name": _l("Part or material"),
    "part_sku": _l("SKU (optional)"),
    "quantity": _l("Quantity"),
    "save_part": _l("Add to the job"),
    "notes": _l("Notes"),
    "note": _l("Note"),
    "note_placeholder": _l("Write a note for the office"),
    "add_note": _l("Add the note"),
    "signature": _l("Signature"),
    "collect_signature": _l("Collect a signature"),
    "time": _l("Time"),
    "log_time": _l("Log time"),
    "time_kind": _l("Kind"),
    "time_work": _l("Work"),
    "time_travel": _l("Travel"),
    "time_break": _l("Break"),
    "from": _l("From"),
    "to": _l("To"),
    "save_time": _l("Save the time"),
    "time_order": _l("The end must come after the start."),
    "site_history": _l("Earlier jobs at this site"),
    "status_history": _l("History"),
    "waiting_to_sync": _l("Waiting to be sent"),
    # finishing
    "finish_title": _l("Finish the job"),
    "signature_title": _l("Customer's signature"),
    "work_summary": _l("What was done (optional)"),
    "work_summary_placeholder": _l("A short note for the office and the customer"),
    "signer_name": _l("Signed by"),
    "signer_required": _l("Enter the name of the person signing."),
    "sign_here": _l("Sign here"),
    "clear": _l("Clear"),
    "close": _l("Close"),
    "complete_job": _l("Complete the job"),
    "save_signature": _l("Save the signature"),
    # sync
    "online": _l("Online"),
    "offline": _l("Offline"),
    "syncing": _l("Syncing…"),
    "sync_failed": _l("Sync failed"),
    "sync_now": _l("Sync now"),
    "all_synced": _l("All synced · %(time)s"),
    "office_changed": _l("Your day was changed by the office."),
    "title_problems": _l("Sync problems"),
    "problems_intro": _l(
        "The office could not take these changes. Nothing you entered is lost: it is kept "
        "here so you or the office can enter it again."
    ),
    "no_problems": _l("No problems: everything you did reached the office."),
    "problem_rejected": _l("Not accepted"),
    "problem_conflict": _l("Conflict"),
    "problem_upload": _l("Upload failed"),
    "conflict_office_status": _l("The office set this job to “%(status)s” meanwhile."),
    "conflict_reassigned": _l("The office gave this job to someone else meanwhile."),
    "problem_conflict_text": _l(
        "The office changed this job while you worked offline. Your work is kept; the "
        "office will decide."
    ),
}


def _plurals(n: int) -> dict[str, str]:
    """The plural texts for the number ``n``, with ``{n}`` where the number goes."""
    return {
        "changes_waiting": ngettext(
            "%(count)s change waiting", "%(count)s changes waiting", n, count="{n}"
        ),
        "notes_count": ngettext("%(count)s note", "%(count)s notes", n, count="{n}"),
        "jobs_open": ngettext("%(count)s job to do", "%(count)s jobs to do", n, count="{n}"),
        "unticked_items": ngettext(
            "%(count)s checklist item is not ticked.",
            "%(count)s checklist items are not ticked.",
            n,
            count="{n}",
        ),
        "signin_expired_waiting": ngettext(
            "Your sign-in has expired; sign in again to send your %(count)s waiting change.",
            "Your sign-in has expired; sign in again to send your %(count)s waiting changes.",
            n,
            count="{n}",
        ),
        "signout_pending": ngettext(
            "%(count)s change has not reached the office yet. Signing out deletes it.",
            "%(count)s changes have not reached the office yet. Signing out deletes them.",
            n,
            count="{n}",
        ),
        "office_added": ngettext("New job: %(jobs)s", "New jobs: %(jobs)s", n, jobs="{jobs}"),
        "office_removed": ngettext(
            "Taken off your list: job %(jobs)s",
            "Taken off your list: jobs %(jobs)s",
            n,
            jobs="{jobs}",
        ),
        "signout_confirm": ngettext(
            "%(count)s change has not reached the office yet and will be lost. Sign out anyway?",
            "%(count)s changes have not reached the office yet and will be lost. Sign out anyway?",
            n,
            count="{n}",
        ),
    }


#: Numbers that show every plural category of the supported languages.
_SAMPLES = (*range(0, 30), 100, 101, 102, 105, 111, 1000)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue(locale: str) -> dict[str, Any]:
    """The app's texts in ``locale``: ``strings`` by key, and ``plurals`` by key and category."""
    with force_locale(locale):
        strings = {key: _PLACEHOLDER.sub(r"{\1}", str(text)) for key, text in TEXTS.items()}
        plurals: dict[str, dict[str, str]] = {}
        rules = Locale.parse(locale)
        for n in _SAMPLES:
            category = rules.plural_form(n)
            for key, text in _plurals(n).items():
                plurals.setdefault(key, {}).setdefault(category, text)
    return {"strings": strings, "plurals": plurals}


def catalogues() -> dict[str, dict[str, Any]]:
    """The app's texts in every supported language (needs an app context)."""
    return {locale: catalogue(locale) for locale in SUPPORTED_LOCALES}
