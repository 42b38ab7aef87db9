// When to sync: at start, when the connection returns, every minute while online, on
// pull-to-refresh, after each action and when the office changed the technician's work
// (live.js); after a failure again with growing pauses. Keeps the state the indicator shows.
import { getMeta, pendingCount, setMeta } from "./db.js";
import { RequestError, RetryError, announce, syncOnce } from "./sync.js";

const EVERY = 60_000;
const MAX_PAUSE = 30_000;

const state = { syncing: false, error: null, failures: 0 };
const listeners = new Set();
const officeListeners = new Set();
let again = false;
let timer = null;
// The office changed something: the next round to start tells what its pull brought.
let officeNews = false;

export function onState(listener) {
  listeners.add(listener);
}

// `listener({added, removed})` after a round that fetched the office's changes.
export function onOfficeChange(listener) {
  officeListeners.add(listener);
}

export async function syncState() {
  return {
    online: navigator.onLine,
    syncing: state.syncing,
    error: state.error,
    pending: await pendingCount(),
    lastSyncAt: await getMeta("lastSyncAt"),
  };
}

async function tell() {
  const current = await syncState();
  listeners.forEach((listener) => listener(current));
}

function later(delay) {
  clearTimeout(timer);
  timer = setTimeout(() => requestSync(), delay);
}

export async function requestSync({ office = false } = {}) {
  officeNews ||= office;
  if (state.syncing) {
    again = true; // an action during a round: one more round after it
    return;
  }
  if (!navigator.onLine) {
    tell();
    return;
  }
  clearTimeout(timer);
  state.syncing = true;
  tell();
  let pause = EVERY;
  const news = officeNews;
  officeNews = false;
  let pulled = null;
  let outcome = null;
  try {
    outcome = await syncOnce(news ? { onPulled: (what) => (pulled = what) } : {});
    state.error = null;
    state.failures = 0;
    if (outcome === "signed-out") again = false;
  } catch (error) {
    state.failures += 1;
    pause = Math.min(MAX_PAUSE, 1000 * 2 ** state.failures);
    if (error instanceof RequestError) {
      state.error = error.message;
    } else if (!(error instanceof RetryError)) {
      state.error = String(error?.message || error);
      console.error(error); // a bug of the app: the console is where a developer looks
    }
    await setMeta("lastFailureAt", new Date().toISOString());
  } finally {
    state.syncing = false;
  }
  if (news && outcome === null) officeNews = true; // the round failed: the next one tells
  tell();
  if (pulled) officeListeners.forEach((listener) => listener(pulled));
  if (again) {
    again = false;
    return requestSync();
  }
  later(pause);
}

// Ask the service worker to sync when the connection is back, even if the app is closed
// by then (Background Sync, where the browser has it).
export async function syncWhenOnline() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    await registration?.sync?.register("dala-sync");
  } catch {
    // Not supported or not allowed: the `online` event below does the same while open.
  }
}

export function startLoop() {
  window.addEventListener("online", () => {
    state.failures = 0;
    requestSync();
  });
  window.addEventListener("offline", () => tell());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") requestSync();
  });
  requestSync();
}

// After each action: the indicator counts it at once, the server gets it as soon as it can.
export function afterAction() {
  announce({ type: "changed" });
  tell();
  if (navigator.onLine) requestSync();
  else syncWhenOnline();
}

export { tell as refreshState };
