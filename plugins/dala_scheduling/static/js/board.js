// The dispatch board: technicians' rows on a vis-timeline, the unassigned queue beside it.
// Jobs move by drag and drop (PATCH /api/v1/jobs/{id} with If-Match); a 412 means someone
// else changed the job first: the board says so and reloads. Live events reload it too.

import { DataSet, Timeline, moment } from "/static/vendor/vis-timeline/standalone/esm/vis-timeline-graph2d.min.mjs";
import { ALLOWED_HTML, buildBoard, jobTitle } from "./board-data.js";
import {
  addDays,
  api,
  axisFormat,
  config,
  debounce,
  esc,
  failure,
  hhmm,
  jobName,
  loadBoard,
  statusClass,
  subscribe,
  t,
  toast,
  zoneOffset,
} from "./common.js";
import { cancelledWithConflicts, conflictJobs, renderConflictMenu } from "./conflicts.js";
import { initJobPanel, openJobPanel } from "./job-panel.js";
import { dropBanner, initPlanning, showProposedPlan } from "./plan.js";

const SNAP_MS = 5 * 60_000;
/** Rows drawn with their items before the timeline knows which rows are in view. */
const FIRST_ROWS = 15;
/** Rows above and below the view that get their items too (smooth scrolling). */
const ROWS_AROUND = 4;
const LIVE_KINDS = ["job.changed", "technician.changed", "plan.proposed", "plan.applied"];

const state = {
  date: config.date,
  days: config.days,
  data: null,
  filters: { skill: "", status: "" },
  generation: 0,
  // Cancelled jobs of the shown days with an open conflict (the board itself leaves them out).
  offBoard: [],
};

const groups = new DataSet();
const items = new DataSet();
let timeline = null;
// Items only for the rows in view (and a few around): vis-timeline measures the items of
// every row while it draws, and draws every background item of every row on each redraw,
// which made a board of 100 technicians and 1,000 jobs take seconds to open.
let rows = { order: [], items: new Map(), shown: new Set() };

/** Every job of the loaded board, planned or queued, by id. */
export function jobById(id) {
  if (!state.data) return null;
  return (
    state.data.jobs.find((j) => j.id === id) ??
    state.data.queue.find((j) => j.id === id) ??
    state.offBoard.find((j) => j.id === id) ??
    null
  );
}

export function technicianById(id) {
  return state.data?.technicians.find((tech) => tech.id === id) ?? null;
}

/** The board's technician whose user is `userId` (sync conflicts name users). */
export function technicianByUser(userId) {
  return state.data?.technicians.find((tech) => tech.user_id === userId) ?? null;
}

export function currentDay() {
  return state.date;
}

/** Put `rows` into `dataset`: update what is there, add what is new, drop what is gone. */
function replace(dataset, rows) {
  const keep = new Set(rows.map((row) => row.id));
  const gone = dataset.getIds().filter((id) => !keep.has(id));
  if (gone.length) dataset.remove(gone);
  dataset.update(rows);
}

function renderQueue(queue) {
  const list = document.getElementById("queue-list");
  document.getElementById("queue-count").textContent = String(queue.length);
  document.getElementById("queue-empty").classList.toggle("d-none", queue.length > 0);
  list.innerHTML = queue
    .map((job) => {
      const when = job.window_start
        ? t("window", { from: hhmm(job.window_start), to: hhmm(job.window_end) })
        : t("no_window");
      const priority =
        job.priority === "emergency"
          ? `<span class="badge text-bg-danger">${esc(t("priority_emergency"))}</span>`
          : job.priority === "high"
            ? `<span class="badge text-bg-warning">${esc(t("priority_high"))}</span>`
            : "";
      return (
        `<button type="button" class="list-group-item list-group-item-action queue-job ${statusClass(job.status)}" ` +
        `draggable="${config.may_plan}" data-job-id="${esc(job.id)}" data-testid="queue-job" title="${esc(jobTitle(job))}">` +
        `<div class="d-flex justify-content-between gap-2"><span class="fw-medium text-truncate">${esc(jobName(job))}</span>${priority}</div>` +
        `<div class="small text-body-secondary text-truncate">${esc(job.customer_name ?? "")}</div>` +
        `<div class="small text-body-secondary"><i class="bi bi-clock me-1" aria-hidden="true"></i>${esc(when)} · ${esc(t("minutes", { m: job.duration_minutes }))}</div>` +
        "</button>"
      );
    })
    .join("");
}

function fillFilters(data) {
  const skill = document.getElementById("filter-skill");
  if (skill.options.length === 1) {
    for (const s of data.skills) skill.add(new Option(s.name, s.id));
  }
  const status = document.getElementById("filter-status");
  if (status.options.length === 1) {
    for (const s of data.statuses) {
      const value = typeof s === "string" ? s : s.value;
      status.add(new Option(typeof s === "string" ? t(`status_${value}`) : s.label, value));
    }
  }
}

/** The rows whose items should be drawn: those in view and a few around them. */
function rowsWanted() {
  const visible = timeline ? timeline.getVisibleGroups() : [];
  if (!visible.length) return new Set(rows.order.slice(0, FIRST_ROWS));
  const at = visible.map((id) => rows.order.indexOf(id)).filter((i) => i >= 0);
  const first = Math.max(0, Math.min(...at) - ROWS_AROUND);
  return new Set(rows.order.slice(first, Math.max(...at) + ROWS_AROUND + 1));
}

function itemsOf(ids) {
  return [...ids].flatMap((id) => rows.items.get(id) ?? []);
}

/** Add and remove rows' items as the rows scroll into and out of view. */
function syncRows() {
  const wanted = rowsWanted();
  const leaving = [...rows.shown].filter((id) => !wanted.has(id));
  const coming = [...wanted].filter((id) => !rows.shown.has(id));
  if (!leaving.length && !coming.length) return;
  rows.shown = wanted;
  if (leaving.length) items.remove(itemsOf(leaving).map((b) => b.id));
  if (coming.length) items.update(itemsOf(coming));
}

let syncQueued = false;
function syncSoon() {
  if (syncQueued) return;
  syncQueued = true;
  requestAnimationFrame(() => {
    syncQueued = false;
    syncRows();
  });
}

function draw() {
  const board = buildBoard(state.data, state.filters, config.may_plan);
  rows = { order: board.groups.map((g) => g.id), items: board.rows, shown: new Set() };
  rows.shown = rowsWanted();
  replace(groups, board.groups);
  replace(items, itemsOf(rows.shown));
  renderQueue(board.queue);
  document.getElementById("no-technicians").classList.toggle("d-none", board.groups.length > 0);
}

function windowOf(data) {
  return { start: new Date(data.window.start), end: new Date(data.window.end) };
}

function createTimeline(data) {
  const span = windowOf(data);
  const offset = zoneOffset(span.start);
  timeline = new Timeline(document.getElementById("timeline"), items, groups, {
    // Times on the axis in the branch's zone, whatever the dispatcher's computer says.
    moment: (date) => moment(date).utcOffset(offset),
    format: axisFormat,
    start: span.start,
    end: span.end,
    min: span.start,
    max: span.end,
    zoomMin: 60 * 60_000,
    orientation: "top",
    stack: true,
    groupOrder: "order",
    maxHeight: "70vh",
    verticalScroll: true,
    horizontalScroll: true,
    zoomKey: "ctrlKey",
    margin: { item: { horizontal: 0, vertical: 4 } },
    snap: (date) => new Date(Math.round(date.valueOf() / SNAP_MS) * SNAP_MS),
    editable: config.may_plan
      ? { add: true, updateTime: true, updateGroup: true, remove: false, overrideItems: false }
      : false,
    selectable: true,
    // A bar moves on the first drag; a click (select) opens the job panel.
    itemsAlwaysDraggable: { item: true, range: true },
    tooltip: { followMouse: false, overflowMethod: "cap" },
    xss: { filterOptions: { whiteList: ALLOWED_HTML } },
    onMove,
    onAdd,
    // The timeline stays invisible until its first full drawing; then the board is open.
    onInitialDrawComplete: () => {
      document.body.dataset.boardReady = "1";
    },
    onUpdate: (item, callback) => {
      callback(null);
      if (item.jobId) openJobPanel(item.jobId);
    },
  });
  for (const event of ["scroll", "scrollSide", "verticalDrag", "changed"]) timeline.on(event, syncSoon);
  timeline.on("select", ({ items: selected }) => {
    const item = selected.length ? items.get(selected[0]) : null;
    if (item?.jobId) openJobPanel(item.jobId);
  });
}

/** Load the board for the current day(s) and redraw it; older answers are dropped. */
export async function refresh() {
  const generation = ++state.generation;
  const [answer, offBoard] = await Promise.all([
    loadBoard(state.date, state.days),
    cancelledWithConflicts(state.date, state.days),
  ]);
  if (generation !== state.generation) return;
  document.getElementById("board-loading").classList.add("d-none");
  if (answer.status !== 200) {
    toast(answer.status === 403 ? t("not_allowed") : t("load_failed"), "danger");
    return;
  }
  state.data = answer.body;
  state.offBoard = offBoard;
  renderConflictMenu(conflictJobs(state.data, offBoard), openJobPanel);
  fillFilters(state.data);
  if (!timeline) {
    draw();
    createTimeline(state.data);
  } else {
    const span = windowOf(state.data);
    const offset = zoneOffset(span.start);
    timeline.setOptions({
      min: span.start,
      max: span.end,
      moment: (date) => moment(date).utcOffset(offset),
    format: axisFormat,
    });
    timeline.setWindow(span.start, span.end, { animation: false });
    draw();
  }
  document.body.dataset.boardVersion = String(generation);
}

const refreshSoon = debounce(refresh, 150);

// --- moving jobs -----------------------------------------------------------------------------

function iso(date) {
  return new Date(date).toISOString();
}

/** Send a job's new technicians and time; true when saved. A stale ETag reloads the board. */
async function saveJob(job, body) {
  const answer = await api("PATCH", `${config.jobs_api}/${job.id}`, { body, etag: job.etag });
  if (answer.status === 200) {
    toast(t("saved", { number: job.number }));
    await refresh();
    return true;
  }
  if (answer.status === 412) {
    toast(t("stale", { number: job.number }), "warning");
  } else {
    toast(failure(answer), "danger");
  }
  await refresh();
  return false;
}

async function onMove(item, callback) {
  const job = jobById(item.jobId);
  if (!job) return callback(null);
  const to = String(item.group);
  const ids = job.technician_ids.map((id) => (id === item.technicianId ? to : id));
  const technicianIds = [...new Set(ids)];
  const start = new Date(item.start);
  const end = new Date(item.end);
  const body = { technician_ids: technicianIds, scheduled_start: iso(start), scheduled_end: iso(end) };
  const minutes = Math.round((end - start) / 60_000);
  if (minutes !== job.duration_minutes) body.duration_minutes = minutes;
  // Keep the bar where it was dropped while saving; the reload puts it where the server has it.
  callback(item);
  await saveJob(job, body);
}

async function onAdd(item, callback) {
  callback(null); // the reload after saving draws it
  const job = item.jobId ? jobById(item.jobId) : null;
  if (!job || !item.group) return;
  const start = new Date(item.start);
  const end = new Date(start.getTime() + job.duration_minutes * 60_000);
  const to = String(item.group);
  const technicianIds = [to, ...job.technician_ids.filter((id) => id !== to)];
  await saveJob(job, { technician_ids: technicianIds, scheduled_start: iso(start), scheduled_end: iso(end) });
}

function initQueue() {
  const list = document.getElementById("queue-list");
  list.addEventListener("dragstart", (event) => {
    const element = event.target.closest("[data-job-id]");
    const job = element && jobById(element.dataset.jobId);
    if (!job) return;
    const drag = { id: `queue|${job.id}`, type: "range", content: jobName(job), jobId: job.id };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text", JSON.stringify(drag));
  });
  list.addEventListener("click", (event) => {
    const element = event.target.closest("[data-job-id]");
    if (element) openJobPanel(element.dataset.jobId);
  });
}

// --- the day, the filters, live updates --------------------------------------------------------

function go(date, days = state.days) {
  state.date = date;
  state.days = days;
  document.getElementById("board-date").value = date;
  const url = new URL(window.location.href);
  url.searchParams.set("date", date);
  url.searchParams.set("days", String(days));
  window.history.replaceState(null, "", url);
  refresh();
}

function initToolbar() {
  for (const button of document.querySelectorAll("[data-nav]")) {
    button.addEventListener("click", () => {
      const step = Number(button.dataset.nav);
      go(step === 0 ? config.today : addDays(state.date, step * state.days));
    });
  }
  document.getElementById("board-date").addEventListener("change", (event) => {
    if (event.target.value) go(event.target.value);
  });
  for (const radio of document.querySelectorAll('input[name="days"]')) {
    radio.addEventListener("change", () => go(state.date, Number(radio.value)));
  }
  document.getElementById("filter-skill").addEventListener("change", (event) => {
    state.filters.skill = event.target.value;
    if (state.data) draw();
  });
  document.getElementById("filter-status").addEventListener("change", (event) => {
    state.filters.status = event.target.value;
    if (state.data) draw();
  });
}

function initLive() {
  const liveState = document.getElementById("live-state");
  subscribe(
    LIVE_KINDS,
    (kind, data) => {
      if (kind === "plan.proposed") showProposedPlan(data);
      if (kind === "plan.applied") dropBanner(data.plan_id);
      refreshSoon();
    },
    (open) => {
      liveState.innerHTML = open
        ? '<i class="bi bi-broadcast text-success" aria-hidden="true"></i>'
        : `<i class="bi bi-broadcast text-warning me-1" aria-hidden="true"></i>${esc(t("live_lost"))}`;
    },
  );
}

function start() {
  initToolbar();
  initQueue();
  initJobPanel({ jobById, technicianById, technicianByUser, currentDay, refresh });
  initPlanning({ technicianById, currentDay, refresh });
  refresh();
  initLive();
}

document.addEventListener("DOMContentLoaded", start);
