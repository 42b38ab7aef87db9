// Sync problems: what the server refused or holds as a conflict, with the reason and the
// technician's data (nothing is thrown away), newest first.
import { database } from "../db.js";
import { html, icon } from "../dom.js";
import { dateTime, number, t } from "../i18n.js";
import { NEXT_STEP, statusLabel } from "../status.js";
import { STEPS } from "../mutations.js";
import { CARD } from "../ui.js";
import { conflictText } from "./jobdoc.js";

const STEP_LABELS = Object.fromEntries(Object.values(NEXT_STEP).map((s) => [s.name, s.label]));

// What a mutation did, in the technician's words.
export function describe(mutation, job) {
  const a = mutation.args || {};
  switch (mutation.name) {
    case "checklist.set": {
      const item = (job?.checklist || []).find((i) => i.id === a.item_id);
      return `${a.done ? t("ticked") : t("unticked")}: ${item?.label || a.item_id}`;
    }
    case "note.add":
      return `${t("note")}: ${a.text}`;
    case "photo.attach":
      return t("photo");
    case "signature.attach":
      return `${t("signature")}: ${a.signer_name}`;
    case "part.use":
      return `${t("part")}: ${a.name}${a.sku ? ` (${a.sku})` : ""} × ${number(a.quantity)}`;
    case "time.log":
      return `${t(`time_${a.kind}`)}: ${dateTime(a.started_at)} – ${dateTime(a.ended_at)}`;
    default:
      if (STEP_LABELS[mutation.name]) return t(STEP_LABELS[mutation.name]);
      if (STEPS[mutation.name]) return `${statusLabel(STEPS[mutation.name])}${a.reason ? `: ${a.reason}` : ""}`;
      return mutation.name;
  }
}

const KINDS = {
  rejected: ["problem_rejected", "text-bg-danger", "x-octagon-fill"],
  conflict: ["problem_conflict", "text-bg-warning", "exclamation-triangle-fill"],
  upload: ["problem_upload", "text-bg-secondary", "cloud-slash-fill"],
};

export async function problemsView() {
  const db = await database();
  const jobs = new Map((await db.getAll("jobs")).map((j) => [j.id, j]));
  const conflicts = (await db.getAll("conflicts")).sort((a, b) => (b.created_at || "").localeCompare(a.created_at || ""));
  const open = new Set(conflicts.map((c) => c.id));
  // A conflict shows once, as the server holds it (with every mutation it keeps).
  const problems = (await db.getAll("problems"))
    .filter((p) => !open.has(p.conflict_id))
    .sort((a, b) => b.at.localeCompare(a.at));
  return {
    title: t("title_problems"),
    back: "#/me",
    body: html`
      <p class="small text-body-secondary px-1">${t("problems_intro")}</p>
      ${conflicts.map((c) => {
        const job = jobs.get(c.job_id);
        return html`<div class="${CARD} mb-2" data-testid="problem">
          <div class="card-body">
            <div class="d-flex gap-2 align-items-center mb-1">
              <span class="badge text-bg-warning">${icon("exclamation-triangle-fill")} ${t("problem_conflict")}</span>
              ${job
                ? html`<a class="small ms-auto" href="#/job/${job.id}">#${job.number}</a>`
                : html`<span class="small ms-auto text-body-secondary">#${c.job_number}</span>`}
            </div>
            <div>${conflictText(c, t, statusLabel)}</div>
            <div class="small text-body-secondary mt-1">${t("problem_conflict_text")}</div>
            ${(c.mutations || []).map((m) => html`<div class="small fw-semibold pre-line">${describe(m, job)}</div>`)}
          </div></div>`;
      })}
      ${problems.length || conflicts.length
        ? problems.map((p) => {
            const job = jobs.get(p.job_id);
            const [label, badge, sign] = KINDS[p.kind] || KINDS.rejected;
            return html`<div class="${CARD} mb-2" data-testid="problem">
              <div class="card-body">
                <div class="d-flex gap-2 align-items-center mb-1">
                  <span class="badge ${badge}">${icon(sign)} ${t(label)}</span>
                  <span class="small text-body-secondary ms-auto">${dateTime(p.at)}</span>
                </div>
                ${job ? html`<a class="d-block small mb-1" href="#/job/${job.id}">#${job.number} · ${job.title}</a>` : ""}
                ${p.mutation ? html`<div class="fw-semibold pre-line" data-testid="problem-data">${describe(p.mutation, job)}</div>` : ""}
                <div class="small text-danger-emphasis mt-1" data-testid="problem-reason">${p.message}</div>
              </div></div>`;
          })
        : html`<div class="text-center text-body-secondary py-5" data-testid="no-problems">
            ${icon("check2-circle", "display-5 d-block mb-2 text-success")}${t("no_problems")}</div>`}
    `,
  };
}
