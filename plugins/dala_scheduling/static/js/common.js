// What the board, calendar and map share: the page's config and texts, the API with the
// session cookie and CSRF header, times in the branch's zone, escaping and toasts.

function readJSON(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

export const config = readJSON("scheduling-config");
const strings = readJSON("scheduling-strings");
const locale = document.documentElement.lang || "en";

/** The page's text for `key`, with Babel's %(name)s placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = strings[key] ?? key;
  return text.replace(/%\((\w+)\)s/g, (_m, name) => String(params[name] ?? "")).replace(/%%/g, "%");
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Text made safe to put into HTML. */
export function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

// --- the API ---------------------------------------------------------------------------------

function csrfToken() {
  return document.querySelector('meta[name="csrf-token"]')?.content ?? "";
}

/** An API answer: `status`, `body` (parsed JSON or null), `etag`. Never throws for HTTP errors. */
export async function api(method, url, { body, etag } = {}) {
  const headers = { Accept: "application/json", "X-Dala-Branch": config.branch.id };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { status: 0, body: { message: t("network_error") }, etag: null };
  }
  let parsed = null;
  if (response.status !== 204) {
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    }
  }
  return { status: response.status, body: parsed, etag: response.headers.get("ETag") };
}

/** What went wrong, in the page's language, for a toast. */
export function failure(answer) {
  if (answer.status === 403) return t("not_allowed");
  return t("save_failed", { reason: answer.body?.message ?? answer.status });
}

/** The scheduling board data for `from` (YYYY-MM-DD) and `days`. */
export function loadBoard(from, days) {
  const query = new URLSearchParams({ branch_id: config.branch.id, from, days: String(days) });
  return api("GET", `${config.api}/board?${query}`);
}

// --- time in the branch's zone ---------------------------------------------------------------

const offsetFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: config.branch.time_zone,
  timeZoneName: "longOffset",
});

/** The branch zone's offset from UTC in minutes at `when`. */
export function zoneOffset(when) {
  const name = offsetFormat.formatToParts(when).find((p) => p.type === "timeZoneName")?.value ?? "";
  const match = name.match(/GMT([+-])(\d{2}):?(\d{2})?/);
  if (!match) return 0;
  return (match[1] === "-" ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3] ?? 0));
}

function pad(n) {
  return String(n).padStart(2, "0");
}

/** `when` as the branch's wall-clock time, "YYYY-MM-DDTHH:MM:SS" (no zone). */
export function wallClock(when) {
  const shifted = new Date(when.getTime() + zoneOffset(when) * 60_000);
  return (
    `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}` +
    `T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:00`
  );
}

/** A wall-clock time of the branch ("YYYY-MM-DDTHH:MM") as an instant. */
export function fromWallClock(text) {
  const [day, time = "00:00"] = text.split("T");
  const [y, m, d] = day.split("-").map(Number);
  const [h, mi] = time.split(":").map(Number);
  const naive = Date.UTC(y, m - 1, d, h, mi);
  // Twice: the offset at the guessed instant is the right one except across a change.
  let guess = naive - zoneOffset(new Date(naive)) * 60_000;
  guess = naive - zoneOffset(new Date(guess)) * 60_000;
  return new Date(guess);
}

const timeFormat = new Intl.DateTimeFormat(locale, {
  timeZone: config.branch.time_zone,
  hour: "2-digit",
  minute: "2-digit",
});
const dayFormat = new Intl.DateTimeFormat(locale, {
  timeZone: "UTC",
  weekday: "long",
  day: "numeric",
  month: "long",
});

const shortDayFormat = new Intl.DateTimeFormat(locale, {
  timeZone: "UTC",
  weekday: "short",
  day: "numeric",
});
const monthFormat = new Intl.DateTimeFormat(locale, {
  timeZone: "UTC",
  month: "long",
  year: "numeric",
});

/**
 * The timeline's axis labels in the page's language (vis-timeline's own are English).
 * `date` is the moment vis-timeline passes, already in the branch's zone; hours stay
 * vis-timeline's 24-hour "HH:mm".
 */
export const axisFormat = {
  majorLabels(date, scale) {
    const day = new Date(`${date.format("YYYY-MM-DD")}T00:00:00Z`);
    return ["millisecond", "second", "minute", "hour"].includes(scale)
      ? dayFormat.format(day)
      : monthFormat.format(day);
  },
  minorLabels(date, scale) {
    if (scale === "day" || scale === "weekday") {
      return shortDayFormat.format(new Date(`${date.format("YYYY-MM-DD")}T00:00:00Z`));
    }
    return date.format(scale === "minute" || scale === "hour" ? "HH:mm" : "D");
  },
};

/** An instant (ISO text or Date) as the branch's hour and minute. */
export function hhmm(when) {
  return when ? timeFormat.format(new Date(when)) : "";
}

const dateTimeFormat = new Intl.DateTimeFormat(locale, {
  timeZone: config.branch.time_zone,
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
});

/** An instant (ISO text or Date) as the branch's day and time: "Tue, 14 Jul, 14:05". */
export function dateTime(when) {
  return when ? dateTimeFormat.format(new Date(when)) : "";
}

/** A calendar day ("YYYY-MM-DD") in words. */
export function dayLabel(day) {
  return dayFormat.format(new Date(`${day}T00:00:00Z`));
}

/** `day` ("YYYY-MM-DD") moved by `n` days. */
export function addDays(day, n) {
  const moved = new Date(`${day}T00:00:00Z`);
  moved.setUTCDate(moved.getUTCDate() + n);
  return moved.toISOString().slice(0, 10);
}

/** Seconds as "1 h 20 min" or "35 min". */
export function duration(seconds) {
  const minutes = Math.round((seconds ?? 0) / 60);
  const h = Math.floor(minutes / 60);
  return h ? t("hours_minutes", { h, m: minutes % 60 }) : t("minutes", { m: minutes });
}

// --- page pieces -----------------------------------------------------------------------------

/** A short message in the corner; `kind` is a Bootstrap colour. */
export function toast(message, kind = "success") {
  const holder = document.getElementById("toasts");
  const element = document.createElement("div");
  element.className = `toast align-items-center text-bg-${kind} border-0`;
  element.setAttribute("role", kind === "danger" || kind === "warning" ? "alert" : "status");
  element.dataset.testid = "toast";
  element.innerHTML =
    `<div class="d-flex"><div class="toast-body">${esc(message)}</div>` +
    '<button type="button" class="btn-close btn-close-white me-2 m-auto" data-bs-dismiss="toast"></button></div>';
  holder.append(element);
  element.addEventListener("hidden.bs.toast", () => element.remove());
  window.bootstrap.Toast.getOrCreateInstance(element, { delay: 6000 }).show();
}

/** Colour class of a job's status (the same on the board, calendar and map). */
export function statusClass(status) {
  return `job-status-${status}`;
}

/** A job's one-line name: "#1042 AC not cooling". */
export function jobName(job) {
  return `#${job.number} ${job.title}`;
}

/** Reload the data at most once per `wait` ms however many events arrive. */
export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), wait);
  };
}

/** Live updates of the branch: `onChange(kind, data)` for each event the board cares about. */
export function subscribe(kinds, onChange, onState = () => {}) {
  if (!window.EventSource) return null;
  const query = new URLSearchParams({ branch: config.branch.id });
  const source = new EventSource(`${config.live}?${query}`);
  for (const kind of kinds) {
    source.addEventListener(kind, (event) => {
      let data = {};
      try {
        data = JSON.parse(event.data);
      } catch {
        data = {};
      }
      onChange(kind, data);
    });
  }
  source.addEventListener("open", () => onState(true));
  source.addEventListener("error", () => onState(false));
  return source;
}
