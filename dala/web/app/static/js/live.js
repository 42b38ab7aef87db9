// Word from the office while the app is open: the server's live stream of the technician's
// own work (/api/v1/live?mine=true, docs/sync-protocol.md). When the office changes one of
// their jobs or applies a plan naming them, the app pulls at once instead of within the
// minute. The stream is open only while the app is visible, online and signed in: a phone
// keeps no connection for a screen nobody looks at, and the sync on return covers the gap.
// fetch reads it, not EventSource, which cannot send the bearer token.
import { session as storedSession } from "./db.js";

const URL = "/api/v1/live?mine=true";
// Changes come in bursts (a plan moves several jobs, each announced): one pull for them all.
const DEBOUNCE_MS = 300;
const MAX_PAUSE_MS = 60_000;

let heard = null; // called when the office changed something
let listening = false;
let controller = null; // the open stream's, to close it
let lastEventId = "";
let retryMs = 3000; // the server's `retry`, the pause before reconnecting
let failures = 0;
let reconnect = null;
let gathering = null;

function wanted() {
  return navigator.onLine && document.visibilityState === "visible";
}

// A job changed by the technician's own steps (or a crew mate's, from their phone) reaches
// the app through its own sync; the office's changes are the news here.
function news(type, data) {
  if (type === "job.changed") return data?.source !== "app";
  return type === "plan.applied";
}

function dispatch(type, text) {
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    return;
  }
  if (!news(type, data)) return;
  clearTimeout(gathering);
  gathering = setTimeout(() => heard?.(), DEBOUNCE_MS);
}

// Server-sent events (the HTML standard's format): "field: value" lines, a blank line ends
// an event, a line starting with ":" is a comment (the server's keep-alive).
export function eventParser(onEvent) {
  let buffer = "";
  let type = "";
  let data = [];
  const line = (text) => {
    if (text === "") {
      if (data.length) onEvent(type || "message", data.join("\n"));
      type = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) lastEventId = value;
    else if (field === "retry" && /^\d+$/.test(value)) retryMs = Number(value);
  };
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop(); // a line not yet ended
    lines.forEach(line);
  };
}

async function follow() {
  if (controller || !wanted()) return;
  const mine = new AbortController();
  controller = mine;
  let again = true;
  try {
    const session = await storedSession();
    if (!session || mine.signal.aborted) {
      again = false;
      return;
    }
    const headers = {
      Accept: "text/event-stream",
      Authorization: `Bearer ${session.token}`,
      "X-Dala-Client": "app",
    };
    if (lastEventId) headers["Last-Event-ID"] = lastEventId;
    const response = await fetch(URL, { headers, cache: "no-store", signal: mine.signal });
    // Signed out, expired or not a technician: the sync tells the technician; no retrying.
    if (response.status === 401 || response.status === 403) {
      again = false;
      return;
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const feed = eventParser(dispatch);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    failures = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break; // the server ended it (a restart, say): connect again
      feed(value);
    }
  } catch {
    failures += 1; // the network, the server, or closed on purpose (then nothing follows)
  } finally {
    if (controller === mine) controller = null;
    if (again && !mine.signal.aborted) later();
  }
}

function later() {
  clearTimeout(reconnect);
  const pause = Math.min(MAX_PAUSE_MS, retryMs * 2 ** Math.min(failures, 5));
  reconnect = setTimeout(follow, pause * (0.8 + Math.random() * 0.4));
}

function close() {
  clearTimeout(reconnect);
  controller?.abort();
  controller = null;
}

function adjust() {
  if (wanted()) {
    failures = 0;
    follow();
  } else {
    close();
  }
}

// Follow the office's changes from now on; `onNews` is called (after a short gathering)
// when there is something to pull.
export function followOffice(onNews) {
  heard = onNews;
  if (!listening) {
    listening = true;
    document.addEventListener("visibilitychange", adjust);
    window.addEventListener("online", adjust);
    window.addEventListener("offline", adjust);
  }
  follow();
}

// Signed out: close the stream and forget where it was.
export function stopFollowing() {
  close();
  clearTimeout(gathering);
  lastEventId = "";
}
