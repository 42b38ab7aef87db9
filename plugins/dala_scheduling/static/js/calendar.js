// The calendar: a day or a week of the branch's planned jobs, in one column per technician
// or all together (EventCalendar), read from the board endpoint. Times are the branch's
// wall clock, whatever zone the dispatcher's computer is in.

import { addDays, config, dayLabel, jobName, loadBoard, subscribe, t, toast, wallClock, debounce } from "./common.js";

// A week opens for the whole branch: a column per technician and day is unreadable on a laptop
// (seven technicians make 49 columns); a day opens with a column per technician.
const state = {
  date: config.date,
  span: config.days === 1 ? "day" : "week",
  by: config.days === 1 ? "technician" : "branch",
};
let calendar = null;

/** The Monday of `day`'s week. */
function weekStart(day) {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

function view() {
  const grid = state.by === "technician" ? "resourceTimeGrid" : "timeGrid";
  return `${grid}${state.span === "day" ? "Day" : "Week"}`;
}

function colour(status) {
  return getComputedStyle(document.documentElement).getPropertyValue(`--job-${status}`).trim() || "#0d6efd";
}

function hourOf(iso, fallback) {
  return iso ? wallClock(new Date(iso)).slice(11, 16) : fallback;
}

function toEvents(data) {
  const events = [];
  for (const job of data.jobs) {
    if (!job.scheduled_start || !job.scheduled_end) continue;
    events.push({
      id: job.id,
      resourceIds: job.technician_ids,
      start: wallClock(new Date(job.scheduled_start)),
      end: wallClock(new Date(job.scheduled_end)),
      title: jobName(job),
      backgroundColor: colour(job.status),
      extendedProps: { status: job.status },
    });
  }
  return events;
}

async function load() {
  const from = state.span === "day" ? state.date : weekStart(state.date);
  const days = state.span === "day" ? 1 : 7;
  const answer = await loadBoard(from, days);
  if (answer.status !== 200) {
    toast(answer.status === 403 ? t("not_allowed") : t("load_failed"), "danger");
    return;
  }
  const data = answer.body;
  const label = days === 1 ? dayLabel(from) : `${dayLabel(from)} \u2013 ${dayLabel(addDays(from, 6))}`;
  document.getElementById("calendar-range").textContent = label;
  const firstHour = hourOf(data.window?.start, "08:00").slice(0, 2);
  const lastHour = Math.min(24, Number(hourOf(data.window?.end, "20:00").slice(0, 2)) + 1);
  const options = {
    view: view(),
    date: from,
    resources: data.technicians.map((tech) => ({ id: tech.id, title: tech.name })),
    events: toEvents(data),
    slotMinTime: `${firstHour}:00`,
    slotMaxTime: `${String(Math.max(lastHour, Number(firstHour) + 1)).padStart(2, "0")}:00`,
  };
  if (!calendar) {
    calendar = window.EventCalendar.create(document.getElementById("calendar"), {
      ...options,
      headerToolbar: { start: "", center: "", end: "" },
      locale: document.documentElement.lang || "en",
      firstDay: 1,
      allDaySlot: false,
      height: "70vh",
      editable: false,
      eventStartEditable: false,
      dayMaxEvents: true,
      buttonText: { today: t("calendar_today") },
    });
  } else {
    for (const [key, value] of Object.entries(options)) calendar.setOption(key, value);
  }
  document.body.dataset.calendarReady = "1";
}

function go(date) {
  state.date = date;
  const url = new URL(window.location.href);
  url.searchParams.set("date", date);
  url.searchParams.set("days", state.span === "day" ? "1" : "7");
  window.history.replaceState(null, "", url);
  load();
}

function start() {
  for (const button of document.querySelectorAll("[data-nav]")) {
    button.addEventListener("click", () => {
      const step = Number(button.dataset.nav);
      go(step === 0 ? config.today : addDays(state.date, step * (state.span === "day" ? 1 : 7)));
    });
  }
  for (const radio of document.querySelectorAll('input[name="span"]')) {
    radio.addEventListener("change", () => {
      state.span = radio.value;
      go(state.date);
    });
  }
  for (const radio of document.querySelectorAll('input[name="by"]')) {
    radio.addEventListener("change", () => {
      state.by = radio.value;
      load();
    });
  }
  load();
  subscribe(["job.changed", "technician.changed", "plan.applied"], debounce(load, 150));
}

document.addEventListener("DOMContentLoaded", start);
