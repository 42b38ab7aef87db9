// The day's jobs: ordered by start, with time, customer, address, status colour and
// distance; yesterday / today / tomorrow; the job that is up next carries its next step.
import { database } from "../db.js";
import { html, icon } from "../dom.js";
import { here, metresBetween } from "../geo.js";
import { dateLong, distance, language, t, time, tn } from "../i18n.js";
import { CLOSED, IN_PROGRESS, NEXT_STEP, statusBadge } from "../status.js";
import { CARD, STEP } from "../ui.js";
import { jobZone, siteOf, customerOf } from "./jobdoc.js";

const DAY_MS = 86_400_000;

// The calendar day of an instant where the job is (the branch's zone), as "YYYY-MM-DD".
function dayKey(when, timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(when),
  );
}

function dayAt(offset) {
  return new Date(Date.now() + offset * DAY_MS);
}

function startOf(job) {
  return job.scheduled_start ? new Date(job.scheduled_start).getTime() : Infinity;
}

// A day's jobs, each placed by its own time zone; jobs without a time show today (the
// office has not planned them yet).
export function jobsOfDay(jobs, offset) {
  const when = dayAt(offset);
  return jobs
    .filter((job) =>
      job.scheduled_start ? dayKey(job.scheduled_start, jobZone(job)) === dayKey(when, jobZone(job)) : offset === 0,
    )
    .sort((a, b) => startOf(a) - startOf(b) || a.number - b.number);
}

// The job the technician works on now, else the first one still to start.
function upNext(jobs) {
  return jobs.find((job) => IN_PROGRESS.has(job.status)) || jobs.find((job) => job.status === "dispatched");
}

export function timeRange(job) {
  const zone = jobZone(job);
  if (!job.scheduled_start) return t("not_scheduled");
  return `${time(job.scheduled_start, zone)}–${time(job.scheduled_end, zone)}`;
}

export function windowText(job) {
  if (!job.window_start || !job.window_end) return "";
  const zone = jobZone(job);
  return t("arrival_window", { from: time(job.window_start, zone), to: time(job.window_end, zone) });
}

function distanceTo(job) {
  const site = siteOf(job);
  const position = here();
  if (!position || site.latitude == null || site.longitude == null) return "";
  return distance(metresBetween(position, { lat: site.latitude, lng: site.longitude }));
}

function card(job, pending, next) {
  const site = siteOf(job);
  const customer = customerOf(job);
  const far = distanceTo(job);
  const step = next ? NEXT_STEP[job.status] : null;
  return html`
    <article class="${CARD} ${next ? "shadow" : ""} border-start border-5 st-edge st-${job.status}
                    ${CLOSED.has(job.status) ? "opacity-75" : ""}" data-testid="job-card" data-job-id="${job.id}">
      <div class="card-body">
        ${next ? html`<div class="small fw-bold text-uppercase text-primary mb-1">${icon("lightning-charge-fill")} ${t("up_next")}</div>` : ""}
        <div class="d-flex align-items-center gap-2 mb-1">
          <span class="fw-bold fs-6">${timeRange(job)}</span>
          <span class="ms-auto">${statusBadge(job.status)}</span>
        </div>
        <a class="stretched-link text-reset text-decoration-none" href="#/job/${job.id}">
          <span class="fw-semibold">${customer.name || job.title}</span>
        </a>
        <div class="text-body-secondary small text-truncate">#${job.number} · ${job.title}</div>
        ${site.address ? html`<div class="small mt-1 d-flex gap-1">${icon("geo-alt")}<span class="text-truncate">${site.address}</span>
          ${far ? html`<span class="ms-auto text-nowrap fw-semibold" data-testid="distance">${far}</span>` : ""}</div>` : ""}
        ${windowText(job) ? html`<div class="small text-body-secondary">${icon("clock")} ${windowText(job)}</div>` : ""}
        ${pending ? html`<div class="small text-warning-emphasis mt-1">${icon("cloud-upload")} ${tn("changes_waiting", pending)}</div>` : ""}
      </div>
      ${step
        ? html`<div class="card-footer bg-transparent border-0 pt-0">
            <button type="button" class="btn btn-primary ${STEP} position-relative z-2"
                    data-action="step" data-job-id="${job.id}" data-open="1">
              ${icon(step.icon)} ${t(step.label)}</button></div>`
        : ""}
    </article>`;
}

// "пт, 27 нояб." as a heading: "Пт, 27 нояб." (only the first letter; the month stays).
function capitalised(text) {
  return text.charAt(0).toLocaleUpperCase(language()) + text.slice(1);
}

const DAYS = [
  [-1, "yesterday"],
  [0, "today"],
  [1, "tomorrow"],
];

export async function jobsView(params) {
  const offset = Math.max(-1, Math.min(1, Number(params.get("day") || 0)));
  const db = await database();
  const jobs = jobsOfDay(await db.getAll("jobs"), offset);
  const counts = new Map();
  for (const mutation of await db.getAll("outbox")) {
    const id = mutation.args?.job_id;
    counts.set(id, (counts.get(id) || 0) + 1);
  }
  const next = offset === 0 ? upNext(jobs) : null;
  const open = jobs.filter((job) => !CLOSED.has(job.status)).length;
  return {
    title: t("title_jobs"),
    body: html`
      <div class="ptr d-flex align-items-end justify-content-center overflow-hidden small text-body-secondary" id="ptr"
           data-state="idle" data-testid="pull-to-refresh" aria-hidden="true">
        <span class="pb-2" data-ptr="pull">${icon("arrow-down")} ${t("pull_to_refresh")}</span>
        <span class="pb-2 d-none" data-ptr="release">${icon("arrow-up")} ${t("release_to_refresh")}</span>
        <span class="pb-2 d-none" data-ptr="refreshing"><span class="spinner-border spinner-border-sm"></span> ${t("syncing")}</span>
      </div>
      <nav class="nav nav-pills nav-fill bg-body rounded-4 shadow-sm p-1 mb-3" aria-label="${t("day")}">
        ${DAYS.map(
          ([d, key]) => html`<a class="nav-link tap fw-semibold rounded-3 d-flex align-items-center justify-content-center
             ${d === offset ? "active" : ""}" href="#/?day=${d}"
             ${d === offset ? html`aria-current="page"` : ""} data-testid="day-${key}">${t(key)}</a>`,
        )}
      </nav>
      <div class="d-flex align-items-baseline mb-2 px-1">
        <h1 class="h6 mb-0" data-testid="day-label">${capitalised(dateLong(dayAt(offset).toISOString(), jobs[0] ? jobZone(jobs[0]) : undefined))}</h1>
        <span class="ms-auto small text-body-secondary" data-testid="day-count">${tn("jobs_open", open)}</span>
      </div>
      ${jobs.length
        ? html`<div class="vstack gap-3" data-testid="job-list">${jobs.map((job) => card(job, counts.get(job.id) || 0, job === next))}</div>`
        : html`<div class="text-center text-body-secondary py-5" data-testid="no-jobs">
            ${icon("calendar2-check", "display-5 d-block mb-2")}${t("no_jobs")}</div>`}
    `,
  };
}
