// Sync conflicts on the board: the office changed a job (cancelled it, put it on hold, gave it
// to someone else) while a technician worked it offline. The job panel shows each open one,
// the office's side against the technician's kept work, and lets a dispatcher decide
// (POST /api/v1/sync/conflicts/{id}/resolve); the toolbar lists the shown days' jobs that
// have one.

import { addDays, api, config, dateTime, esc, failure, fromWallClock, hhmm, jobName, t, toast } from "./common.js";

/** The jobs of the loaded board (and `extra` ones off it) with an open conflict, by time. */
export function conflictJobs(data, extra = []) {
  const seen = new Map();
  for (const job of [...data.jobs, ...data.queue, ...extra]) {
    if (job.conflicts_open > 0 && !seen.has(job.id)) seen.set(job.id, job);
  }
  return [...seen.values()].sort(
    (a, b) => (a.scheduled_start ?? "").localeCompare(b.scheduled_start ?? "") || a.number - b.number,
  );
}

/** A job of the jobs API in the board's shape (as far as the panel needs it). */
function boardJob(job) {
  return {
    ...job,
    customer_name: job.customer?.name ?? null,
    site: job.site ? { label: job.site.label } : null,
    required_skills: [],
    pinned: false,
    etag: null,
  };
}

/**
 * Cancelled jobs planned on the shown days that have an open conflict: the board leaves
 * cancelled work out, and "cancelled while worked offline" is the commonest conflict.
 */
export async function cancelledWithConflicts(from, days) {
  const query = new URLSearchParams({
    branch_id: config.branch.id,
    status: "cancelled",
    from: fromWallClock(`${from}T00:00`).toISOString(),
    to: fromWallClock(`${addDays(from, days)}T00:00`).toISOString(),
    page_size: "100",
  });
  const answer = await api("GET", `${config.jobs_api}?${query}`);
  if (answer.status !== 200) return [];
  return answer.body.items.filter((job) => job.conflicts_open > 0).map(boardJob);
}

// --- what the technician did, in words -----------------------------------------------------------

function quantity(value) {
  return new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 3 }).format(Number(value));
}

/** One kept mutation as a line of text; `labels` are the job's checklist labels by item id. */
function workLine(mutation, labels) {
  const a = mutation.args ?? {};
  switch (mutation.name) {
    case "job.en_route":
      return t("work_en_route");
    case "job.arrive":
      return t("work_arrive");
    case "job.complete":
      return t("work_complete");
    case "job.hold":
      return t("work_hold", { reason: a.reason ?? "" });
    case "job.turn_back":
      return t("work_turn_back", { reason: a.reason ?? "" });
    case "checklist.set":
      return t(a.done ? "work_checklist_done" : "work_checklist_undone", {
        label: labels.get(a.item_id) ?? t("work_checklist_item"),
      });
    case "note.add":
      return t("work_note", { text: a.text ?? "" });
    case "photo.attach":
      return a.caption ? t("work_photo_caption", { caption: a.caption }) : t("work_photo");
    case "signature.attach":
      return t("work_signature", { name: a.signer_name ?? "" });
    case "time.log":
      return t(`work_time_${a.kind}`, { from: hhmm(a.started_at), to: hhmm(a.ended_at) });
    case "part.use":
      return t("work_part", { name: a.name ?? "", quantity: quantity(a.quantity) });
    default:
      return t("work_other", { name: mutation.name });
  }
}

async function checklistLabels(job, conflicts) {
  const labels = new Map();
  if (!conflicts.some((c) => c.mutations.some((m) => m.name === "checklist.set"))) return labels;
  const answer = await api("GET", `${config.jobs_api}/${job.id}/checklist?page_size=100`);
  if (answer.status === 200) for (const item of answer.body.items) labels.set(item.id, item.label);
  return labels;
}

function conflictCard(conflict, labels, technicianName) {
  const times = conflict.mutations.map((m) => m.client_ts).sort();
  const who = t("conflict_who_when", {
    name: technicianName(conflict.user_id) ?? t("conflict_someone"),
    from: dateTime(times[0]),
    to: hhmm(times[times.length - 1]),
    at: dateTime(conflict.created_at),
  });
  const work = conflict.mutations
    .map(
      (m) =>
        `<li data-testid="conflict-work"><span class="text-body-secondary me-1">${esc(hhmm(m.client_ts))}</span>${esc(workLine(m, labels))}</li>`,
    )
    .join("");
  const buttons =
    `<div class="d-flex flex-wrap gap-2 mt-2">` +
    `<button type="button" class="btn btn-sm btn-outline-secondary" data-keep="office" data-conflict="${esc(conflict.id)}" data-testid="keep-office">${esc(t("keep_office"))}</button>` +
    `<button type="button" class="btn btn-sm btn-warning" data-keep="technician" data-conflict="${esc(conflict.id)}" data-testid="keep-technician">${esc(t("keep_technician"))}</button>` +
    "</div>";
  return (
    `<div class="card border-warning mb-2" data-testid="conflict"><div class="card-body p-2 small">` +
    `<div class="mb-2"><div class="fw-semibold">${esc(t("conflict_office"))}</div>` +
    `<div>${esc(t(`conflict_${conflict.kind}`))} <span class="badge job-badge job-status-${esc(conflict.office_status)}">${esc(t(`status_${conflict.office_status}`))}</span></div></div>` +
    `<div class="fw-semibold">${esc(t("conflict_technician"))}</div>` +
    `<div class="text-body-secondary mb-1">${esc(who)}</div>` +
    `<ul class="mb-0 ps-3 conflict-work">${work}</ul>` +
    buttons +
    "</div></div>"
  );
}

async function resolve(job, conflictId, keep, after) {
  const answer = await api("POST", `${config.sync_api}/conflicts/${conflictId}/resolve`, { body: { keep } });
  if (answer.status === 200) {
    toast(t(keep === "office" ? "kept_office" : "kept_technician", { number: job.number }));
  } else if (answer.status === 409) {
    // Decided already, or the job cannot take the work now: the server says which.
    toast(answer.body?.message ?? t("conflict_resolved_already"), "warning");
  } else {
    toast(failure(answer), "danger");
  }
  await after();
}

/**
 * Fill `holder` with the open conflicts of `job`. `technicianName(userId)` names the
 * technician (null when not on the board); `after()` runs once a decision was sent.
 * `isCurrent()` says whether the panel still shows this job when the answer arrives.
 */
export async function renderJobConflicts(job, holder, { technicianName, after, isCurrent }) {
  if (!job.conflicts_open) {
    holder.innerHTML = "";
    return;
  }
  const heading = `<h3 class="h6 fw-semibold text-warning-emphasis"><i class="bi bi-exclamation-triangle-fill me-1" aria-hidden="true"></i>${esc(t("conflicts_title"))}</h3>`;
  if (!config.may_resolve) {
    // Only who may decide reads the technician's kept work (the API's rule too).
    holder.innerHTML = `${heading}<p class="small text-body-secondary" data-testid="conflict-count">${esc(t("conflicts"))}: ${esc(job.conflicts_open)}. ${esc(t("conflict_decider"))}</p>`;
    return;
  }
  holder.innerHTML = `${heading}<p class="small text-body-secondary">${esc(t("conflicts_loading"))}</p>`;
  const query = new URLSearchParams({ job_id: job.id, status: "open", page_size: "100" });
  const answer = await api("GET", `${config.sync_api}/conflicts?${query}`);
  if (!isCurrent()) return;
  if (answer.status !== 200) {
    holder.innerHTML = `${heading}<p class="small text-body-secondary">${esc(t("conflicts_failed"))}</p>`;
    return;
  }
  const conflicts = answer.body.items;
  const labels = await checklistLabels(job, conflicts);
  if (!isCurrent()) return;
  holder.innerHTML = heading + conflicts.map((c) => conflictCard(c, labels, technicianName)).join("");
  holder.querySelectorAll("[data-keep]").forEach((button) => {
    button.addEventListener("click", () => {
      holder.querySelectorAll("[data-keep]").forEach((b) => {
        b.disabled = true;
      });
      resolve(job, button.dataset.conflict, button.dataset.keep, after);
    });
  });
}

/** The toolbar's "Conflicts (n)" menu: the jobs of the shown days with an open conflict. */
export function renderConflictMenu(jobs, open) {
  const menu = document.getElementById("conflicts-menu");
  menu.classList.toggle("d-none", jobs.length === 0);
  document.getElementById("conflicts-label").textContent = t("conflicts_badge", { n: jobs.length });
  const list = document.getElementById("conflicts-list");
  list.innerHTML = jobs
    .map((job) => {
      const when = job.scheduled_start ? dateTime(job.scheduled_start) : t("not_scheduled");
      return (
        `<li><button type="button" class="dropdown-item small" data-job-id="${esc(job.id)}" data-testid="conflict-job">` +
        `<div class="fw-medium text-truncate">${esc(jobName(job))}</div>` +
        `<div class="text-body-secondary">${esc(when)} · ${esc(t(`status_${job.status}`))}</div></button></li>`
      );
    })
    .join("");
  list.querySelectorAll("[data-job-id]").forEach((button) => {
    button.addEventListener("click", () => open(button.dataset.jobId));
  });
}
