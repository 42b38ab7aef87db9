// The app's IndexedDB: the only place its state lives, so a reload, a crash or a closed
// tab loses nothing. Used by the pages and by the service worker (no DOM here).
import { openDB } from "/static/vendor/idb/index.js";

const NAME = "dala-technician";
const VERSION = 1;

// meta:      key → value (session, mutation counter, pull cursor, sync state, language;
//            expiredSession: the session whose token expired, kept for the same person)
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
// With `token`, only if that is still the session's (not after signing in again meanwhile).
export async function wipe({ token } = {}) {
  const db = await database();
  const tx = db.transaction(STORES, "readwrite");
  if (token !== undefined && (await tx.objectStore("meta").get("session"))?.token !== token) {
    await tx.done;
    return false;
  }
  const language = await tx.objectStore("meta").get("language");
  await Promise.all(STORES.map((name) => tx.objectStore(name).clear()));
  if (language) await tx.objectStore("meta").put(language, "language");
  await tx.done;
  return true;
}

// The token expired: the technician signs in again, but nothing they did may go. The
// session moves aside, so nothing syncs and the sign-in screen shows, while the jobs, the
// outbox and the photos wait for the same person (views/account.js, signIn).
export async function setAside(token) {
  const db = await database();
  const tx = db.transaction("meta", "readwrite");
  const current = await tx.store.get("session");
  if (current?.token === token) {
    await tx.store.put({ ...current, token: null }, "expiredSession");
    await tx.store.delete("session");
    await tx.store.put("expired", "signedOutReason");
  }
  await tx.done;
}
