// A short notice over the bottom of the screen (the office changed the day), gone after a
// few seconds or a tap. It lives outside the view, so redrawing a screen keeps it.
import { html, icon, render } from "./dom.js";
import { t, tn } from "./i18n.js";
import { COLUMN } from "./ui.js";

const SHOWN_MS = 8000;

let holder = null;
let hiding = null;

function numbers(list) {
  return [...list].sort((a, b) => a - b).map((n) => `#${n}`).join(", ");
}

// `added` and `removed`: the job numbers the office's change brought and took away.
export function officeChanged({ added = [], removed = [] }) {
  if (!holder) {
    holder = document.createElement("div");
    holder.className = "fixed-bottom pb-safe";
    holder.addEventListener("click", hide);
    document.body.append(holder);
  }
  render(holder, html`
    <div class="container"><div class="row justify-content-center"><div class="${COLUMN}">
      <div class="alert alert-primary shadow d-flex gap-2 align-items-start mb-0" role="status"
           data-testid="office-notice">
        ${icon("info-circle-fill", "fs-5 lh-1")}
        <div class="flex-grow-1">
          <div class="fw-semibold">${t("office_changed")}</div>
          ${added.length ? html`<div class="small" data-testid="office-added">${tn("office_added", added.length, { jobs: numbers(added) })}</div>` : ""}
          ${removed.length ? html`<div class="small" data-testid="office-removed">${tn("office_removed", removed.length, { jobs: numbers(removed) })}</div>` : ""}
        </div>
        <button type="button" class="btn-close" aria-label="${t("close")}"></button>
      </div>
    </div></div></div>`);
  clearTimeout(hiding);
  hiding = setTimeout(hide, SHOWN_MS);
}

function hide() {
  clearTimeout(hiding);
  if (holder) render(holder, "");
}
