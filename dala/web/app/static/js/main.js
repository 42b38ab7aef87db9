// The app: starts the service worker, finds the session in IndexedDB (no network
// needed), routes between screens (#/, #/job/<id>, #/problems, #/me) and turns taps
// into actions. Every action is stored before the screen changes.
import { database, getMeta, session as storedSession, setMeta } from "./db.js";
import { html, icon, render, rerender } from "./dom.js";
import { onMove, watchPosition } from "./geo.js";
import { BAR_BUTTON, COLUMN, revealed } from "./ui.js";
import { dateLong, setLanguage, t, time, tn } from "./i18n.js";
import { afterAction, onOfficeChange, onState, refreshState, requestSync, startLoop, syncState } from "./loop.js";
import { followOffice, stopFollowing } from "./live.js";
import { officeChanged } from "./notice.js";
import { blobRecord, downscale } from "./media.js";
import { act, uuid } from "./mutations.js";
import { NEXT_STEP } from "./status.js";
import { channel } from "./sync.js";
import { fetchMissing } from "./downloads.js";
import { accountView, signIn, signInView, signOut } from "./views/account.js";
import { jobView } from "./views/job.js";
import { jobsView } from "./views/jobs.js";
import { problemsView } from "./views/problems.js";
import { openFinish, openReason } from "./views/sheets.js";
import { pullToRefresh } from "./pull.js";

const bar = document.getElementById("bar");
const view = document.getElementById("view");
let session = null;
let looping = false;
let shownRoute = null;

// --- the top bar and its sync indicator ---------------------------------------------------

// Each state's colours, Bootstrap's subtle background with its emphasis text.
const PILL_COLOURS = {
  online: "bg-success-subtle text-success-emphasis",
  synced: "bg-success-subtle text-success-emphasis",
  syncing: "bg-primary-subtle text-primary-emphasis",
  waiting: "bg-warning-subtle text-warning-emphasis",
  offline: "bg-secondary-subtle text-secondary-emphasis",
  error: "bg-danger-subtle text-danger-emphasis",
};

function indicator(state) {
  const waiting = state.pending ? tn("changes_waiting", state.pending) : "";
  if (!state.online) {
    return { kind: "offline", sign: "wifi-off", text: waiting ? `${t("offline")} · ${waiting}` : t("offline") };
  }
  if (state.syncing) return { kind: "syncing", sign: null, text: t("syncing") };
  if (state.error) return { kind: "error", sign: "exclamation-triangle-fill", text: t("sync_failed"), title: state.error };
  if (state.pending) return { kind: "waiting", sign: "cloud-upload", text: waiting };
  if (state.lastSyncAt) {
    const at = new Date(state.lastSyncAt);
    const today = at.toDateString() === new Date().toDateString();
    const when = today ? time(state.lastSyncAt) : `${dateLong(state.lastSyncAt)} ${time(state.lastSyncAt)}`;
    return { kind: "synced", sign: "check2-circle", text: t("all_synced", { time: when }) };
  }
  return { kind: "online", sign: "wifi", text: t("online") };
}

async function drawIndicator(state) {
  const holder = document.getElementById("indicator");
  if (!holder) return;
  const shown = indicator(state || (await syncState()));
  const sign = shown.sign
    ? icon(shown.sign, "flex-shrink-0")
    : html`<span class="spinner-border spinner-border-sm flex-shrink-0" aria-hidden="true"></span>`;
  render(holder, html`<button type="button" class="btn btn-sm rounded-pill border-0 py-2 d-inline-flex align-items-center gap-1
      fw-semibold text-start lh-sm sync-pill ${PILL_COLOURS[shown.kind]}" data-action="sync-now"
      data-testid="sync-indicator" data-state="${shown.kind}" title="${shown.title || t("sync_now")}" aria-live="polite">
      ${sign}<span class="small clamp-2">${shown.text}</span></button>`);
}

function drawBar(screen) {
  render(bar, html`
    <div class="container"><div class="row justify-content-center">
      <div class="${COLUMN} d-flex align-items-center gap-2 py-1">
        ${screen.back
          ? html`<a class="${BAR_BUTTON}" href="${screen.back}" aria-label="${t("back")}" data-testid="back">${icon("chevron-left")}</a>`
          : html`<img class="rounded-3 mx-1 flex-shrink-0" src="/app/icon-192.png" alt="" width="32" height="32">`}
        <div class="flex-grow-1 fw-semibold lh-sm clamp-2" data-testid="screen-title">${screen.title}</div>
        <div id="indicator" class="ms-auto flex-shrink-0"></div>
        ${session && !screen.bare
          ? html`<a class="${BAR_BUTTON}" href="#/me" aria-label="${t("title_me")}" data-testid="menu">${icon("person-circle")}</a>`
          : ""}
      </div>
    </div></div>`);
  drawIndicator();
}

// --- screens -------------------------------------------------------------------------------

function route() {
  const [path, query = ""] = (location.hash.replace(/^#/, "") || "/").split("?");
  return { path, params: new URLSearchParams(query) };
}

async function screenFor({ path, params }) {
  if (!session) return signInView();
  const job = path.match(/^\/job\/([\w-]+)$/);
  if (job) return jobView(job[1]);
  if (path === "/problems") return problemsView();
  if (path === "/me") return accountView(session);
  return jobsView(params);
}

// Draws the current screen; `again` keeps what the technician is typing and where they are.
export async function show({ again = false } = {}) {
  const current = route();
  const key = `${current.path}?${current.params}`;
  const screen = await screenFor(current);
  drawBar(screen);
  if (again && shownRoute === key) {
    rerender(view, screen.body);
  } else {
    render(view, screen.body);
    window.scrollTo(0, 0);
  }
  shownRoute = key;
  document.title = `${screen.title} · Dala`;
  bar.classList.toggle("d-none", !session); // the sign-in screen is the whole page
  const job = current.path.match(/^\/job\/([\w-]+)$/);
  if (job && session && (await fetchMissing(job[1])) && route().path === current.path) {
    await show({ again: true });
  }
}

// --- actions -----------------------------------------------------------------------------

async function changed() {
  await show({ again: true });
  afterAction();
}

async function jobOf(id) {
  return (await database()).get("jobs", id);
}

const clicks = {
  async step(button) {
    const job = await jobOf(button.dataset.jobId);
    const step = job && NEXT_STEP[job.status];
    if (!step) return;
    if (button.dataset.open) location.hash = `#/job/${job.id}`;
    if (step.name === "job.complete") {
      openFinish(job, "complete", changed);
      return;
    }
    await act(step.name, { job_id: job.id });
    await changed();
  },
  async tick(button) {
    await act("checklist.set", {
      job_id: button.dataset.jobId,
      item_id: button.dataset.itemId,
      done: !button.dataset.done,
    });
    await changed();
  },
  async hold(button) {
    openReason(await jobOf(button.dataset.jobId), "job.hold", changed);
  },
  async "turn-back"(button) {
    openReason(await jobOf(button.dataset.jobId), "job.turn_back", changed);
  },
  async sign(button) {
    openFinish(await jobOf(button.dataset.jobId), "sign", changed);
  },
  "show-part-form"(button) {
    reveal(button, ".part-form", "part");
    view.querySelector("#part-name").focus();
  },
  "show-time-form"(button) {
    reveal(button, ".time-form", "time");
    // The usual entry is the half hour just past; the technician adjusts it.
    const hhmm = (date) => date.toTimeString().slice(0, 5);
    const now = new Date();
    const from = view.querySelector("#time-from");
    const to = view.querySelector("#time-to");
    if (!from.value) from.value = hhmm(new Date(now.getTime() - 30 * 60_000));
    if (!to.value) to.value = hhmm(now);
  },
  async language(button) {
    setLanguage(button.dataset.language);
    await setMeta("language", button.dataset.language);
    await show({ again: true });
  },
  async "sign-out"(button) {
    const pending = Number(button.dataset.pending || 0);
    if (pending && !confirm(tn("signout_confirm", pending))) return;
    stopFollowing();
    await signOut();
    session = null;
    location.hash = "#/";
    await show();
  },
  "sync-now"() {
    requestSync();
  },
};

// A form behind a button stays open across re-renders (a sync may redraw while typing).
function reveal(button, selector, name) {
  revealed.add(`${button.closest("[data-job-id]")?.dataset.jobId}:${name}`);
  button.classList.add("d-none");
  view.querySelector(selector).classList.remove("d-none");
}

function conceal(form, name) {
  revealed.delete(`${form.dataset.jobId}:${name}`);
}

// Local wall-clock "HH:MM" on the job's day, as an ISO instant.
function onJobDay(job, hhmm) {
  const day = job.scheduled_start ? new Date(job.scheduled_start) : new Date();
  const [h, m] = hhmm.split(":").map(Number);
  day.setHours(h, m, 0, 0);
  return day.toISOString();
}

const submits = {
  async "sign-in"(form) {
    const button = form.querySelector("button[type=submit]");
    const error = form.querySelector("[data-role=error]");
    button.disabled = true;
    const message = await signIn(form);
    button.disabled = false;
    if (message) {
      error.textContent = message;
      error.classList.remove("d-none");
      return;
    }
    await start();
  },
  async note(form) {
    const field = form.querySelector("textarea");
    const text = field.value.trim();
    if (!text) return field.focus();
    field.value = "";
    await act("note.add", { id: uuid(), job_id: form.dataset.jobId, text });
    await changed();
  },
  async part(form) {
    const name = form.querySelector("#part-name");
    const quantity = Number(form.querySelector("#part-qty").value);
    name.classList.toggle("is-invalid", !name.value.trim());
    if (!name.value.trim() || !(quantity > 0)) return;
    const sku = form.querySelector("#part-sku").value.trim() || null;
    const args = { id: uuid(), job_id: form.dataset.jobId, name: name.value.trim(), sku, quantity };
    form.reset();
    conceal(form, "part");
    await act("part.use", args);
    await changed();
  },
  async time(form) {
    const job = await jobOf(form.dataset.jobId);
    const from = form.querySelector("#time-from").value;
    const to = form.querySelector("#time-to").value;
    const error = form.querySelector("[data-role=time-error]");
    if (!from || !to || to <= from) {
      error.textContent = t("time_order");
      return;
    }
    const kind = form.querySelector("#time-kind").value;
    form.reset();
    conceal(form, "time");
    await act("time.log", {
      id: uuid(),
      job_id: job.id,
      kind,
      started_at: onJobDay(job, from),
      ended_at: onJobDay(job, to),
    });
    await changed();
  },
};

async function photoChosen(input) {
  const file = input.files?.[0];
  if (!file) return;
  const label = input.closest("label");
  label?.classList.add("disabled");
  try {
    const record = await blobRecord(await downscale(file), "photo", input.dataset.jobId);
    await act(
      "photo.attach",
      { id: uuid(), job_id: input.dataset.jobId, sha256: record.sha256, caption: "" },
      { blob: record },
    );
  } finally {
    input.value = "";
    label?.classList.remove("disabled");
  }
  await changed();
}

function listen() {
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-action]");
    if (!target || target.tagName === "FORM" || target.tagName === "INPUT") return;
    const handler = clicks[target.dataset.action];
    if (!handler) return;
    event.preventDefault();
    handler(target);
  });
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-action]");
    const handler = form && submits[form.dataset.action];
    if (!handler) return;
    event.preventDefault();
    handler(form);
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("input[data-action=photo]")) photoChosen(event.target);
  });
  window.addEventListener("hashchange", () => show());
  // Another tab or the service worker synced: show what changed.
  if (channel) {
    channel.onmessage = async ({ data }) => {
      if (data.type === "signed-out") return signedOut();
      await show({ again: true });
      refreshState();
    };
  }
}

async function signedOut() {
  stopFollowing();
  session = null;
  await show();
}

// --- start -------------------------------------------------------------------------------

async function start() {
  session = await storedSession();
  const chosen = (await getMeta("language")) || session?.user?.locale;
  if (chosen) setLanguage(chosen);
  await show();
  if (!session) return;
  if (!looping) {
    looping = true;
    onState(async (state) => {
      drawIndicator(state);
      if (!(await storedSession()) && session) await signedOut();
      else if (!state.syncing && route().path !== "/me") await show({ again: true });
    });
    onOfficeChange(officeChanged);
    startLoop();
    watchPosition();
    onMove(() => route().path === "/" && show({ again: true }));
  } else {
    requestSync();
  }
  followOffice(() => requestSync({ office: true }));
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("/app/sw.js", { scope: "/app", type: "module" })
    .catch((error) => console.error("service worker", error));
}

registerWorker();
listen();
pullToRefresh(() => route().path === "/" && session, () => requestSync());
start();
