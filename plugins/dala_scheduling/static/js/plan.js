// Planning the day: "Plan the day" starts a plan run, its progress shows until a proposal is
// ready (for every technician at work that day, those it leaves free too: jobs, travel, idle
// and overtime; what stays unassigned and why; totals against the current plan), then Apply
// or Discard. "Mark unavailable" on a technician's row records time off, which re-plans the
// day; a proposal made that way arrives as a banner.

import { api, config, duration, esc, failure, fromWallClock, hhmm, t, toast, wallClock } from "./common.js";

const POLL_MS = 500;
const DONE = new Set(["proposed", "applied", "discarded", "failed", "stale"]);

let board = null;
let run = null;
let polling = null;

function modal(id) {
  return window.bootstrap.Modal.getOrCreateInstance(document.getElementById(id));
}

function progress(status, fraction) {
  const percent = Math.round((fraction ?? 0) * 100);
  const bar = document.getElementById("plan-bar");
  // A sliver of the animated bar shows that something is under way even at 0%.
  bar.style.width = `${Math.max(percent, 5)}%`;
  bar.parentElement.setAttribute("aria-valuenow", String(percent));
  const text =
    status === "queued" ? t("plan_queued") : status === "running" ? t("plan_running", { percent }) : "";
  document.getElementById("plan-status").textContent = text;
}

function totalsRow(label, totals) {
  return (
    `<tr><th scope="row" class="fw-medium">${esc(label)}</th><td>${esc(totals.placed)}</td>` +
    `<td>${esc(duration(totals.travel_seconds))}</td><td>${esc(duration(totals.idle_seconds))}</td>` +
    `<td>${esc(duration(totals.overtime_seconds))}</td></tr>`
  );
}

function renderProposal(plan) {
  const proposal = plan.proposal;
  const holder = document.getElementById("plan-proposal");
  const head =
    `<thead class="table-light"><tr><th scope="col">${esc(t("technician"))}</th><th scope="col">${esc(t("jobs"))}</th>` +
    `<th scope="col">${esc(t("travel_h"))}</th><th scope="col">${esc(t("idle"))}</th><th scope="col">${esc(t("overtime"))}</th></tr></thead>`;
  const routes = proposal.routes
    .map((route) => {
      const jobs = route.jobs
        .map((j) => `<div class="text-nowrap">${esc(hhmm(j.start))} <b>#${esc(j.number)}</b> ${esc(j.title)}</div>`)
        .join("");
      const free = `<span class="text-body-secondary fst-italic">${esc(t("plan_free"))}</span>`;
      return (
        `<tr data-testid="plan-route" data-free="${route.jobs.length ? "false" : "true"}">` +
        `<th scope="row" class="fw-medium">${esc(route.name)}</th><td class="small">${jobs || free}</td>` +
        `<td>${esc(duration(route.travel_seconds))}</td><td>${esc(duration(route.idle_seconds))}</td>` +
        `<td class="${route.overtime_seconds ? "text-danger" : ""}">${esc(duration(route.overtime_seconds))}</td></tr>`
      );
    })
    .join("");
  const unassigned = proposal.unassigned.length
    ? `<h3 class="h6 fw-semibold mt-4">${esc(t("unassigned_reasons"))}</h3><ul class="list-group mb-3">` +
      proposal.unassigned
        .map(
          (u) =>
            `<li class="list-group-item small" data-testid="plan-unassigned"><b>#${esc(u.number)}</b> ${esc(u.title)}` +
            `<div class="text-body-secondary">${esc(u.text)}</div></li>`,
        )
        .join("") +
      "</ul>"
    : "";
  const totals = proposal.totals;
  holder.innerHTML =
    `<div class="table-responsive"><table class="table table-sm align-middle mb-4" data-testid="plan-totals">` +
    `<thead class="table-light"><tr><th scope="col"></th><th scope="col">${esc(t("placed"))}</th><th scope="col">${esc(t("travel_h"))}</th>` +
    `<th scope="col">${esc(t("idle"))}</th><th scope="col">${esc(t("overtime"))}</th></tr></thead><tbody>` +
    totalsRow(t("proposed"), totals.proposed) +
    totalsRow(t("current"), totals.current) +
    `</tbody></table></div>` +
    `<div class="table-responsive"><table class="table table-sm align-top">${head}<tbody>${routes}</tbody></table></div>` +
    unassigned;
  holder.classList.remove("d-none");
  document.getElementById("plan-progress").classList.add("d-none");
  document.getElementById("plan-apply").disabled = !config.may_optimise;
  document.getElementById("plan-discard").disabled = !config.may_optimise;
}

/** Take down the banner of plan run `id` (applied, discarded or overtaken). */
export function dropBanner(id) {
  if (!id) return;
  document.querySelector(`#banners [data-plan-id="${CSS.escape(String(id))}"]`)?.remove();
}

function showRun(plan) {
  run = plan;
  if (plan.status === "proposed" && plan.proposal) {
    renderProposal(plan);
    return true;
  }
  progress(plan.status, plan.progress);
  if (DONE.has(plan.status)) dropBanner(plan.id);
  if (plan.status === "failed" || plan.status === "stale") {
    toast(t(plan.status === "failed" ? "plan_failed" : "plan_stale"), "danger");
    modal("plan-modal").hide();
  }
  return DONE.has(plan.status);
}

async function poll(id) {
  clearTimeout(polling);
  const answer = await api("GET", `${config.api}/plans/${id}`);
  if (answer.status !== 200) {
    toast(failure(answer), "danger");
    return;
  }
  if (!showRun(answer.body)) polling = setTimeout(() => poll(id), POLL_MS);
}

function resetModal() {
  document.getElementById("plan-proposal").classList.add("d-none");
  document.getElementById("plan-progress").classList.remove("d-none");
  document.getElementById("plan-apply").disabled = true;
  document.getElementById("plan-discard").disabled = true;
  progress("queued", 0);
}

async function planDay() {
  resetModal();
  modal("plan-modal").show();
  const body = { branch_id: config.branch.id, date: board.currentDay() };
  const answer = await api("POST", `${config.api}/plans`, { body });
  if (answer.status !== 202 && answer.status !== 200 && answer.status !== 201) {
    toast(failure(answer), "danger");
    modal("plan-modal").hide();
    return;
  }
  showRun(answer.body);
  poll(answer.body.id);
}

/** Open the plan run `id` (a proposal from a banner) in the plan window. */
export async function reviewPlan(id) {
  resetModal();
  modal("plan-modal").show();
  await poll(id);
}

async function apply() {
  if (!run) return;
  const answer = await api("POST", `${config.api}/plans/${run.id}/apply`);
  modal("plan-modal").hide();
  if (answer.status === 200) {
    dropBanner(run.id);
    toast(t("plan_applied", { applied: answer.body.applied, skipped: answer.body.skipped?.length ?? 0 }));
  } else {
    toast(failure(answer), "danger");
  }
  await board.refresh();
}

async function discard() {
  if (!run) return;
  const answer = await api("POST", `${config.api}/plans/${run.id}/discard`);
  modal("plan-modal").hide();
  if (answer.status === 200) dropBanner(run.id);
  toast(answer.status === 200 ? t("plan_discarded") : failure(answer), answer.status === 200 ? "secondary" : "danger");
}

/** A banner: a plan was proposed by an event (a technician off sick, a job overrun). */
export function showProposedPlan(event) {
  const holder = document.getElementById("banners");
  // A live event names the run `plan_id`; an API answer is the run itself.
  const data = { ...event, id: event?.plan_id ?? event?.id };
  if (!holder || !data.id) return;
  // The run this page asked for (or has open) is in the plan window already.
  if (run && String(run.id) === String(data.id)) return;
  holder.querySelector(`[data-plan-id="${CSS.escape(String(data.id))}"]`)?.remove();
  const trigger = t(`trigger_${data.trigger ?? "manual"}`);
  const review = config.may_optimise
    ? `<button type="button" class="btn btn-sm btn-primary ms-auto" data-review="${esc(data.id)}">${esc(t("review_plan"))}</button>`
    : "";
  holder.insertAdjacentHTML(
    "beforeend",
    `<div class="alert alert-info d-flex flex-wrap align-items-center gap-2 py-2" role="status" data-plan-id="${esc(data.id)}" data-testid="plan-banner">` +
      `<i class="bi bi-lightbulb" aria-hidden="true"></i><span>${esc(t("plan_proposed_banner", { trigger }))}</span>${review}` +
      `<button type="button" class="btn-close ms-2" data-bs-dismiss="alert" aria-label="${esc(t("close"))}"></button></div>`,
  );
  holder.querySelector(`[data-review="${CSS.escape(String(data.id))}"]`)?.addEventListener("click", () => reviewPlan(data.id));
}

// --- a technician cannot work ------------------------------------------------------------------

let unavailableOf = null;

function openUnavailable(technicianId) {
  const technician = board.technicianById(technicianId);
  if (!technician) return;
  unavailableOf = technician;
  document.getElementById("unavailable-name").textContent = technician.name;
  const now = new Date();
  const lastShift = technician.shifts.at(-1);
  const from = technician.shifts[0] ? new Date(Math.max(now, new Date(technician.shifts[0].start))) : now;
  const to = lastShift ? new Date(lastShift.end) : new Date(from.getTime() + 8 * 3600_000);
  document.getElementById("unavailable-from").value = wallClock(from).slice(0, 16);
  document.getElementById("unavailable-to").value = wallClock(to > from ? to : new Date(from.getTime() + 3600_000)).slice(0, 16);
  document.getElementById("unavailable-to").classList.remove("is-invalid");
  modal("unavailable-modal").show();
}

async function submitUnavailable(event) {
  event.preventDefault();
  const fromField = document.getElementById("unavailable-from");
  const toField = document.getElementById("unavailable-to");
  const from = fromField.value && fromWallClock(fromField.value);
  const to = toField.value && fromWallClock(toField.value);
  if (!from || !to || to <= from) {
    toField.classList.add("is-invalid");
    document.getElementById("unavailable-to-error").textContent = t("to_before_from");
    return;
  }
  const body = {
    from: from.toISOString(),
    to: to.toISOString(),
    reason: document.getElementById("unavailable-reason").value,
  };
  const answer = await api("POST", `${config.api}/technicians/${unavailableOf.id}/unavailable`, { body });
  modal("unavailable-modal").hide();
  if (answer.status >= 200 && answer.status < 300) {
    toast(t("marked_unavailable", { name: unavailableOf.name }));
    if (answer.body?.status === "proposed") showProposedPlan(answer.body);
  } else {
    toast(failure(answer), "danger");
  }
  await board.refresh();
}

export function initPlanning(boardApi) {
  board = boardApi;
  document.getElementById("plan-day")?.addEventListener("click", planDay);
  document.getElementById("plan-apply").addEventListener("click", apply);
  document.getElementById("plan-discard").addEventListener("click", discard);
  document.getElementById("plan-modal").addEventListener("hidden.bs.modal", () => clearTimeout(polling));
  document.getElementById("unavailable-form").addEventListener("submit", submitUnavailable);
  // The row labels are drawn by vis-timeline; their buttons are caught here.
  document.getElementById("timeline").addEventListener("click", (event) => {
    const button = event.target.closest('[data-action="unavailable"]');
    if (button) openUnavailable(button.dataset.id);
  });
}
