// The board endpoint's answer as vis-timeline rows (groups) and items, filtered; plain arrays
// built in one pass so the DataSets take them in bulk.

import { duration, esc, hhmm, jobName, statusClass, t } from "./common.js";

/** Work a dispatcher may no longer move: it is under way or over. */
const FIXED = new Set(["en_route", "on_site", "completed", "cancelled"]);

/** The tags vis-timeline may keep in the labels we build (everything else is stripped). */
export const ALLOWED_HTML = {
  b: [],
  i: ["class", "aria-hidden", "title"],
  span: ["class", "title"],
  small: ["class"],
  div: ["class", "style", "title", "role", "aria-label"],
  button: ["type", "class", "data-action", "data-id", "title", "aria-label"],
};

export function movable(job) {
  return !FIXED.has(job.status);
}

export function skillMatches(technician, skillId) {
  return !skillId || technician.skills.some((s) => s.id === skillId);
}

export function jobMatches(job, filters) {
  if (filters.status && job.status !== filters.status) return false;
  if (filters.skill && !job.required_skills.some((s) => s.skill_id === filters.skill)) return false;
  return true;
}

function markers(job) {
  let html = "";
  if (job.priority === "emergency") {
    html += `<i class="bi bi-exclamation-octagon-fill me-1" title="${esc(t("priority_emergency"))}" aria-hidden="true"></i>`;
  } else if (job.priority === "high") {
    html += `<i class="bi bi-arrow-up-circle-fill me-1" title="${esc(t("priority_high"))}" aria-hidden="true"></i>`;
  }
  if (job.pinned) html += `<i class="bi bi-pin-angle-fill me-1" title="${esc(t("pinned"))}" aria-hidden="true"></i>`;
  if (job.conflicts_open) {
    html += `<i class="bi bi-exclamation-triangle-fill me-1" title="${esc(t("conflicts"))}" aria-hidden="true"></i>`;
  }
  return html;
}

/** A job's tooltip: number, title, customer, time, status. */
export function jobTitle(job) {
  const lines = [jobName(job)];
  if (job.customer_name) lines.push(job.customer_name);
  if (job.scheduled_start) lines.push(`${hhmm(job.scheduled_start)}\u2013${hhmm(job.scheduled_end)}`);
  lines.push(t(`status_${job.status}`));
  if (job.priority === "high" || job.priority === "emergency") lines.push(t(`priority_${job.priority}`));
  return lines.join(" · ");
}

/** The row label of a technician: name, skills, a load bar, and "mark unavailable". */
function technicianLabel(technician, mayPlan) {
  const capacity = technician.capacity_minutes || 0;
  const load = technician.load_minutes || 0;
  const percent = capacity ? Math.min(100, Math.round((load / capacity) * 100)) : load ? 100 : 0;
  const loadText = t("load", { load: duration(load * 60), capacity: duration(capacity * 60) });
  // Strongest skill first, in a fixed order: the API's order varies between loads, and the
  // label (truncated to its first skills) must not change on every refresh.
  const skills = [...technician.skills]
    .sort((a, b) => b.level - a.level || a.name.localeCompare(b.name))
    .map((s) => `${s.name} ${s.level}`)
    .join(", ");
  const action = mayPlan
    ? `<button type="button" class="btn btn-link btn-sm p-0 ms-auto lh-1 text-body-secondary" data-action="unavailable" data-id="${esc(technician.id)}" title="${esc(t("mark_unavailable"))}" aria-label="${esc(t("mark_unavailable"))}"><i class="bi bi-person-x" aria-hidden="true"></i></button>`
    : "";
  return (
    `<div class="tech-label"><div class="d-flex align-items-center gap-1"><span class="fw-medium text-truncate">${esc(technician.name)}</span>${action}</div>` +
    `<div class="small text-body-secondary text-truncate" title="${esc(skills)}">${esc(skills) || "&nbsp;"}</div>` +
    `<div class="progress tech-load" role="img" aria-label="${esc(loadText)}" title="${esc(loadText)}"><div class="progress-bar${load > capacity ? " bg-danger" : ""}" style="width: ${percent}%"></div></div></div>`
  );
}

function background(id, group, span, className, content = "") {
  return { id, group, start: span.start, end: span.end, type: "background", className, content };
}

/**
 * Rows (groups), each row's items (job bars; shifts, breaks, time off and travel behind
 * them) by row id, and the queue, from the board's answer. `filters` = {skill, status};
 * `mayPlan` decides what can be dragged.
 */
export function buildBoard(data, filters, mayPlan) {
  const technicians = data.technicians.filter((tech) => skillMatches(tech, filters.skill));
  const shown = new Set(technicians.map((tech) => tech.id));
  const groups = technicians.map((tech, order) => ({
    id: tech.id,
    order,
    content: technicianLabel(tech, mayPlan),
  }));
  const rowItems = new Map();
  for (const tech of technicians) {
    const row = [];
    tech.shifts.forEach((span, i) => row.push(background(`shift|${tech.id}|${i}`, tech.id, span, "shift")));
    tech.breaks.forEach((span, i) => row.push(background(`break|${tech.id}|${i}`, tech.id, span, "break")));
    tech.time_off.forEach((span, i) =>
      row.push(background(`off|${tech.id}|${i}`, tech.id, span, "time-off", esc(t("time_off")))),
    );
    rowItems.set(tech.id, row);
  }
  const jobs = new Map(data.jobs.map((job) => [job.id, job]));
  for (const leg of data.travel) {
    const to = jobs.get(leg.to_job_id);
    if (!to || !to.scheduled_start || !shown.has(leg.technician_id) || !leg.seconds) continue;
    const end = new Date(to.scheduled_start);
    const start = new Date(end.getTime() - leg.seconds * 1000);
    rowItems.get(leg.technician_id).push({
      id: `travel|${leg.technician_id}|${leg.to_job_id}`,
      group: leg.technician_id,
      start,
      end,
      type: "background",
      className: "travel",
      title: t("travel", { m: Math.round(leg.seconds / 60) }),
    });
  }
  for (const job of data.jobs) {
    if (!job.scheduled_start || !job.scheduled_end || !jobMatches(job, filters)) continue;
    const label = `${markers(job)}<b>#${esc(job.number)}</b> ${esc(job.title)}`;
    const className = `job ${statusClass(job.status)} job-priority-${job.priority}`;
    const editable = mayPlan && movable(job);
    for (const technicianId of job.technician_ids) {
      if (!shown.has(technicianId)) continue;
      rowItems.get(technicianId).push({
        id: `${job.id}|${technicianId}`,
        group: technicianId,
        start: job.scheduled_start,
        end: job.scheduled_end,
        content: label,
        className,
        title: esc(jobTitle(job)),
        editable,
        jobId: job.id,
        technicianId,
      });
    }
  }
  const queue = data.queue.filter((job) => jobMatches(job, filters));
  return { groups, rows: rowItems, queue };
}
