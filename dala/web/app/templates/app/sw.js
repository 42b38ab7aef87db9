// The technician app's service worker (scope {{ scope }}): keeps the app's own files so
// it starts with no network, and syncs the outbox when the connection comes back.
// It never keeps API answers: the app's data lives in IndexedDB.
import { syncOnce } from "/app/static/js/sync.js";

const VERSION = {{ version|tojson }};
const CACHE = `dala-app-${VERSION}`;
const FILES = {{ precache|tojson }};
const KEPT = new Set(FILES.map((url) => new URL(url, self.location.origin).pathname));

self.addEventListener("install", (event) => {
  // `reload`: fetch past the HTTP cache, so the new version never keeps an old file.
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(FILES.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  // A new version replaces the old cache whole.
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("dala-app-") && n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  // Only the app's own files: everything else (the API above all) goes to the network.
  if (!KEPT.has(url.pathname)) return;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => {
      const kept = await cache.match(event.request, { ignoreSearch: true });
      return kept || fetch(event.request);
    }),
  );
});

// Background Sync: the browser wakes the worker when the connection is back.
self.addEventListener("sync", (event) => {
  if (event.tag === "dala-sync") event.waitUntil(syncOnce());
});
