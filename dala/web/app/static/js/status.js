// Job statuses: one colour each (app.css, `st-<status>`), used on every screen, and the
// technician's next step from each.
import { t } from "./i18n.js";
import { html } from "./dom.js";

export function statusLabel(status) {
  return t(`status_${status}`);
}

export function statusBadge(status) {
  return html`<span class="badge st-fill st-${status}" data-testid="status">${statusLabel(status)}</span>`;
}

// The one big button of a job: what the technician does next.
export const NEXT_STEP = {
  dispatched: { name: "job.en_route", label: "step_en_route", icon: "car-front-fill" },
  en_route: { name: "job.arrive", label: "step_arrive", icon: "geo-alt-fill" },
  on_site: { name: "job.complete", label: "step_complete", icon: "check2-circle" },
};

export const CAN_HOLD = new Set(["en_route", "on_site"]);
export const CAN_TURN_BACK = new Set(["en_route"]);
export const CLOSED = new Set(["completed", "cancelled"]);
export const IN_PROGRESS = new Set(["en_route", "on_site"]);
