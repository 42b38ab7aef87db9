// The job panel (an offcanvas): the job's details, its open sync conflicts, pin/unpin, and the
// suggested technicians with their reasons; one click assigns, an emergency that bumps other
// work asks first.

import { api, config, esc, failure, hhmm, jobName, t, toast } from "./common.js";
import { renderJobConflicts } from "./conflicts.js";

let board = null;
let openId = null;
let pendingAssign = null;

function detail(label, value) {
  return `<dt class="col-5 fw-normal text-body-secondary">${esc(label)}</dt><dd class="col-7 mb-1">${value}</dd>`;
}

function renderDetails(job) {
  const technicians = job.technician_ids
    .map((id) => board.technicianById(id)?.name ?? "")
    .filter(Boolean)
    .map(esc)
    .join(", ");
  const planned = job.scheduled_start
    ? `${esc(hhmm(job.scheduled_start))}\u2013${esc(hhmm(job.scheduled_end))}`
    : esc(t("not_scheduled"));
  const window = job.window_start
    ? esc(t("window", { from: hhmm(job.window_start), to: hhmm(job.window_end) }))
    : esc(t("no_window"));
  const skills = job.required_skills
    .map((s) => esc(t("skill_level", { name: s.name, level: s.min_level })))
    .join(", ");
  document.getElementById("job-details").innerHTML =
    `<dl class="row small mb-3" data-testid="job-details">` +
    detail(t("customer"), esc(job.customer_name ?? "")) +
    detail(t("site"), esc(job.site?.label ?? "")) +
    detail(t("status"), `<span class="badge job-badge job-status-${esc(job.status)}">${esc(t(`status_${job.status}`))}</span>`) +
    detail(t("priority"), esc(t(`priority_${job.priority}`))) +
    detail(t("scheduled"), planned) +
    detail(t("duration"), esc(t("minutes", { m: job.duration_minutes }))) +
    detail(t("technicians"), technicians || esc(t("unassigned"))) +
    (skills ? detail(t("required_skills"), skills) : "") +
    `</dl><p class="small text-body-secondary mb-3">${window}</p>`;
  const pin = document.getElementById("job-pin");
  if (pin) {
    pin.innerHTML = job.pinned
      ? `<i class="bi bi-pin-angle me-1" aria-hidden="true"></i>${esc(t("unpin"))}`
      : `<i class="bi bi-pin-angle-fill me-1" aria-hidden="true"></i>${esc(t("pin"))}`;
  }
}

function reasonList(reasons) {
  return reasons.length
    ? `<ul class="small mb-2 ps-3">${reasons.map((r) => `<li>${esc(r.text)}</li>`).join("")}</ul>`
    : "";
}

function renderSuggestions(answer) {
  const holder = document.getElementById("job-suggestions");
  const { suggestions = [], unsuitable = [] } = answer;
  if (!suggestions.length) {
    holder.innerHTML = `<p class="small text-body-secondary">${esc(t("suggestions_none"))}</p>`;
  } else {
    holder.innerHTML = suggestions
      .map((s, index) => {
        const bumps = s.bumps?.length
          ? `<div class="small text-danger mb-2"><i class="bi bi-arrow-left-right me-1" aria-hidden="true"></i>${s.bumps.map((b) => esc(b.text)).join("; ")}</div>`
          : "";
        const assign = config.may_plan
          ? `<button type="button" class="btn btn-sm ${index === 0 ? "btn-primary" : "btn-outline-primary"}" data-suggestion="${index}" data-testid="assign">${esc(t("assign_at", { start: hhmm(s.start), end: hhmm(s.end) }))}</button>`
          : "";
        return (
          `<div class="card mb-2" data-testid="suggestion"><div class="card-body p-2">` +
          `<div class="d-flex justify-content-between align-items-baseline"><span class="fw-medium">${esc(s.name)}</span>` +
          `<span class="badge text-bg-light border">${esc(t("score", { score: Math.round(s.score) }))}</span></div>` +
          reasonList(s.reasons) +
          bumps +
          assign +
          "</div></div>"
        );
      })
      .join("");
    holder.querySelectorAll("[data-suggestion]").forEach((button) => {
      button.addEventListener("click", () => assign(answer.job ?? board.jobById(openId), suggestions[Number(button.dataset.suggestion)]));
    });
  }
  if (unsuitable.length) {
    holder.insertAdjacentHTML(
      "beforeend",
      `<details class="small mt-2"><summary class="text-body-secondary">${esc(t("unsuitable"))} (${unsuitable.length})</summary>` +
        unsuitable.map((u) => `<div class="mt-1"><span class="fw-medium">${esc(u.name)}</span>${reasonList(u.reasons)}</div>`).join("") +
        "</details>",
    );
  }
}

async function loadSuggestions(job) {
  const holder = document.getElementById("job-suggestions");
  holder.innerHTML = `<p class="small text-body-secondary"><span class="spinner-border spinner-border-sm me-2" aria-hidden="true"></span>${esc(t("suggestions_loading"))}</p>`;
  const url = `${config.api}/jobs/${job.id}/suggestions?date=${board.currentDay()}`;
  const answer = await api("GET", url);
  if (openId !== job.id) return;
  if (answer.status !== 200) {
    holder.innerHTML = `<p class="small text-body-secondary">${esc(t("suggestions_failed"))}</p>`;
    return;
  }
  renderSuggestions(answer.body);
}

async function sendAssign(job, suggestion, bump) {
  const body = { technician_id: suggestion.technician_id, start: suggestion.start, bump, if_match: job.etag };
  const answer = await api("POST", `${config.api}/jobs/${job.id}/assign`, { body, etag: job.etag });
  if (answer.status === 200) {
    toast(t("assigned", { number: job.number, name: suggestion.name }));
    window.bootstrap.Offcanvas.getOrCreateInstance(document.getElementById("job-panel")).hide();
  } else if (answer.status === 412) {
    toast(t("stale", { number: job.number }), "warning");
  } else if (answer.status === 409) {
    toast(t("no_longer_possible"), "warning");
  } else {
    toast(failure(answer), "danger");
  }
  await board.refresh();
}

function assign(job, suggestion) {
  if (!suggestion.bumps?.length) {
    sendAssign(job, suggestion, false);
    return;
  }
  pendingAssign = { job, suggestion };
  document.getElementById("bump-intro").textContent = t("bump_intro", { name: suggestion.name });
  document.getElementById("bump-list").innerHTML = suggestion.bumps
    .map(
      (b) =>
        `<li class="list-group-item d-flex justify-content-between gap-2" data-testid="bump"><span>${esc(b.text || `#${b.number} ${b.title}`)}</span>` +
        `<span class="badge ${b.consequence === "unassigned" ? "text-bg-danger" : "text-bg-warning"} align-self-start">${esc(t(`bump_${b.consequence}`))}</span></li>`,
    )
    .join("");
  window.bootstrap.Modal.getOrCreateInstance(document.getElementById("bump-modal")).show();
}

async function togglePin() {
  const job = board.jobById(openId);
  if (!job) return;
  const answer = await api(job.pinned ? "DELETE" : "POST", `${config.api}/jobs/${job.id}/pin`);
  if (answer.status === 200 || answer.status === 204) {
    toast(t(job.pinned ? "unpinned_done" : "pinned_done", { number: job.number }));
  } else {
    toast(failure(answer), "danger");
  }
  await board.refresh();
  const fresh = board.jobById(openId);
  if (fresh) renderDetails(fresh);
}

function showConflicts(job) {
  renderJobConflicts(job, document.getElementById("job-conflicts"), {
    technicianName: (userId) => board.technicianByUser(userId)?.name ?? null,
    isCurrent: () => openId === job.id,
    after: async () => {
      await board.refresh();
      const fresh = board.jobById(job.id);
      if (openId !== job.id) return;
      if (fresh) {
        renderDetails(fresh);
        showConflicts(fresh);
      } else {
        document.getElementById("job-conflicts").innerHTML = "";
      }
    },
  });
}

/** Show the panel for the job `jobId` of the loaded board. */
export function openJobPanel(jobId) {
  const job = board.jobById(jobId);
  if (!job) return;
  openId = jobId;
  document.getElementById("job-panel-title").textContent = jobName(job);
  renderDetails(job);
  showConflicts(job);
  window.bootstrap.Offcanvas.getOrCreateInstance(document.getElementById("job-panel")).show();
  if (job.status === "cancelled") {
    // Nobody is suggested for cancelled work (it is here for its conflict).
    document.getElementById("job-suggestions").innerHTML =
      `<p class="small text-body-secondary">${esc(t("suggestions_none"))}</p>`;
  } else {
    loadSuggestions(job);
  }
}

export function initJobPanel(boardApi) {
  board = boardApi;
  document.getElementById("job-pin")?.addEventListener("click", togglePin);
  document.getElementById("bump-confirm").addEventListener("click", () => {
    window.bootstrap.Modal.getOrCreateInstance(document.getElementById("bump-modal")).hide();
    if (pendingAssign) sendAssign(pendingAssign.job, pendingAssign.suggestion, true);
    pendingAssign = null;
  });
  document.getElementById("job-panel").addEventListener("hidden.bs.offcanvas", () => {
    openId = null;
  });
}
