// The app's IndexedDB: the only place its state lives, so a reload, a crash or a closed
// tab loses nothing. Used by the pages and by the service worker (no DOM here).
import { openDB } from "/static/vendor/idb/index.js";

const NAME = "dala-technician";
const VERSION = 1;

// meta:      key → value (session, mutation counter, pull cursor, sync state, language)
// jobs:      the technician's job documents as shown (the server's, with pending changes applied)
// outbox:    mutations not yet answered by the server, by mutation id (their order)
// blobs:     photos and signatures by SHA-256, kept to show them and until uploaded
// problems:  mutations the server rejected or held as conflicts, with their data
// conflicts: open conflicts the server reports on the technician's jobs
// files:     attachment id → SHA-256 of its bytes in `blobs`
export const STORES = ["meta", "jobs", "outbox", "blobs", "problems", "conflicts", "files"];

let opened = null;

export function database() {
  if (!opened) {
    opened = openDB(NAME, VERSION, {
      upgrade(db) {
        db.createObjectStore("meta");
        db.createObjectStore("jobs", { keyPath: "id" });
        const outbox = db.createObjectStore("outbox", { keyPath: "id" });
        outbox.createIndex("job_id", "args.job_id");
        db.createObjectStore("blobs", { keyPath: "sha256" });
        db.createObjectStore("problems", { keyPath: "key" });
        db.createObjectStore("conflicts", { keyPath: "id" });
        db.createObjectStore("files", { keyPath: "id" });
      },
      blocking() {
        // A newer version of the app wants to upgrade: let it.
        opened?.then((db) => db.close());
        opened = null;
      },
    });
  }
  return opened;
}

export async function getMeta(key) {
  return (await database()).get("meta", key);
}

export async function setMeta(key, value) {
  return (await database()).put("meta", value, key);
}

export async function session() {
  return getMeta("session");
}

export async function pendingCount() {
  return (await database()).count("outbox");
}

// Everything the signed-in technician had on this phone goes; the device's language stays.
export async function wipe() {
  const db = await database();
  const tx = db.transaction(STORES, "readwrite");
  const language = await tx.objectStore("meta").get("language");
  await Promise.all(STORES.map((name) => tx.objectStore(name).clear()));
  if (language) await tx.objectStore("meta").put(language, "language");
  await tx.done;
}
