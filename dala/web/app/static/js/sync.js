// One round of sync (docs/sync-protocol.md): upload the blobs, push the outbox in order,
// pull what changed. No DOM: the pages and the service worker's Background Sync both run
// it, one at a time across tabs (a Web Lock), and every step's result is in IndexedDB
// before the next starts, so a round cut anywhere is simply run again.
import { AuthError, RequestError, RetryError, call } from "./api.js";
import { database, getMeta, setAside, setMeta, wipe } from "./db.js";
import { rebase } from "./mutations.js";

const API = "/api/v1/sync";
export const SCHEMA_VERSION = 1;
export const BATCH = 200;
// Blobs go up in parts of this size, so a lost connection costs one part, not the photo.
const PART = 256 * 1024;

export const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("dala-app") : null;

export function announce(message) {
  channel?.postMessage(message);
}

async function credentials() {
  const session = await getMeta("session");
  if (!session) return null;
  const language = (await getMeta("language")) || session.user?.locale || undefined;
  return { session, auth: { token: session.token, language } };
}

// --- blobs -------------------------------------------------------------------------------

async function blobProblem(record, error) {
  const db = await database();
  const tx = db.transaction(["blobs", "problems"], "readwrite");
  await tx.objectStore("blobs").put({ ...record, failed: { status: error.status, message: error.message } });
  await tx.objectStore("problems").put({
    key: `blob:${record.sha256}`,
    kind: "upload",
    job_id: record.job_id,
    message: error.message,
    data: { sha256: record.sha256, kind: record.kind, size: record.size },
    at: new Date().toISOString(),
  });
  await tx.done;
}

async function received(auth, sha256) {
  try {
    const { body } = await call("GET", `${API}/blobs/${sha256}`, { auth });
    return body;
  } catch (error) {
    if (error instanceof RequestError && error.status === 404) return { received: 0, complete: false };
    throw error;
  }
}

async function uploadBlob(auth, record) {
  let state = await received(auth, record.sha256);
  let offset = state.received || 0;
  const total = record.blob.size;
  while (!state.complete && offset < total) {
    const end = Math.min(total, offset + PART);
    const headers = { "Content-Type": record.type };
    if (offset > 0 || end < total) headers["Content-Range"] = `bytes ${offset}-${end - 1}/${total}`;
    try {
      ({ body: state } = await call("PUT", `${API}/blobs/${record.sha256}`, {
        auth,
        data: record.blob.slice(offset, end),
        headers,
      }));
      offset = state?.received ?? end;
      state = state || { complete: end >= total };
    } catch (error) {
      // Another try got further (or the server lost a part): continue where it says.
      const at = error instanceof RequestError && error.status === 409 ? receivedIn(error.body) : null;
      if (at === null) throw error;
      offset = at;
    }
  }
  const db = await database();
  await db.put("blobs", { ...record, uploaded: true });
}

function receivedIn(body) {
  const value = body?.received ?? body?.errors?.received;
  const number = Array.isArray(value) ? Number(value[0]) : Number(value);
  return Number.isFinite(number) ? number : null;
}

async function uploadBlobs(auth) {
  const db = await database();
  const waiting = (await db.getAll("blobs")).filter((b) => !b.uploaded && !b.failed);
  for (const record of waiting) {
    try {
      await uploadBlob(auth, record);
    } catch (error) {
      // Too large, not an image, or the bytes do not match their hash: no retry will fix
      // it. The mutation that refers to it is pushed anyway, refused, and listed with its data.
      if (error instanceof RequestError && [413, 415, 422].includes(error.status)) {
        await blobProblem(record, error);
      } else {
        throw error;
      }
    }
  }
}

// --- push --------------------------------------------------------------------------------

// The next batch: the oldest mutations, stopping before one whose photo is not up yet
// (it was recorded after this round's uploads started; the next round takes it).
async function nextBatch(db) {
  const tx = db.transaction(["outbox", "blobs"]);
  const mutations = await tx.objectStore("outbox").getAll();
  const blobs = new Map((await tx.objectStore("blobs").getAll()).map((b) => [b.sha256, b]));
  const batch = [];
  for (const mutation of mutations) {
    const blob = blobs.get(mutation.args?.sha256);
    if (batch.length >= BATCH || (blob && !blob.uploaded && !blob.failed)) break;
    batch.push(mutation);
  }
  return batch;
}

// Whether the session a round started with is still the phone's; if not (signed out, or
// in as someone else, while the answer was on its way) the transaction is dropped.
async function stillSignedIn(tx, session) {
  if ((await tx.objectStore("meta").get("session"))?.token === session.token) return true;
  tx.done.catch(() => {}); // the abort below is the outcome wanted
  tx.abort();
  return false;
}

async function settle(results, batch, session) {
  const db = await database();
  const tx = db.transaction(["outbox", "problems", "meta"], "readwrite");
  if (!(await stillSignedIn(tx, session))) return 0;
  const sent = new Map(batch.map((m) => [m.id, m]));
  for (const result of results) {
    const mutation = sent.get(result.id);
    if (!mutation) continue;
    if (result.status === "rejected" || result.status === "conflict") {
      await tx.objectStore("problems").put({
        key: `${session.clientId}:${mutation.id}`,
        kind: result.status,
        job_id: mutation.args?.job_id,
        code: result.code || null,
        message: result.message || "",
        conflict_id: result.conflict_id || null,
        mutation,
        at: new Date().toISOString(),
      });
    }
    await tx.objectStore("outbox").delete(mutation.id);
  }
  await tx.done;
  return results.filter((r) => sent.has(r.id)).length;
}

async function push(session, auth) {
  const db = await database();
  for (;;) {
    const batch = await nextBatch(db);
    if (!batch.length) return;
    const { body } = await call("POST", `${API}/push`, {
      auth,
      json: {
        client_group_id: session.clientGroupId,
        client_id: session.clientId,
        schema_version: SCHEMA_VERSION,
        mutations: batch.map(({ id, name, args, client_ts }) => ({ id, name, args, client_ts })),
      },
    });
    const answered = await settle(body.results || [], batch, session);
    announce({ type: "changed" });
    if (!answered) return; // never loop on a batch the server did not answer
  }
}

// --- pull --------------------------------------------------------------------------------

async function pullPage(session, auth) {
  const cursor = await getMeta("cursor");
  const query = new URLSearchParams({ client_id: session.clientId });
  if (cursor) query.set("cursor", cursor);
  const { body } = await call("GET", `${API}/pull?${query}`, { auth });
  const db = await database();
  const tx = db.transaction(["jobs", "outbox", "meta", "conflicts", "blobs", "files", "problems"], "readwrite");
  if (!(await stillSignedIn(tx, session))) return false;
  const pending = await tx.objectStore("outbox").getAll();
  const jobs = tx.objectStore("jobs");
  if (body.reset) await jobs.clear();
  for (const job of body.jobs || []) await jobs.put(rebase(job, pending, session.user));
  for (const id of body.removed_job_ids || []) await jobs.delete(id);
  const conflicts = tx.objectStore("conflicts");
  if (body.reset) await conflicts.clear();
  const decided = new Set();
  for (const conflict of body.conflicts || []) {
    if (conflict.status === "open") await conflicts.put(conflict);
    else {
      await conflicts.delete(conflict.id);
      decided.add(conflict.id);
    }
  }
  // A person decided: the work it held is no longer a problem of this phone.
  const problems = tx.objectStore("problems");
  for (const problem of await problems.getAll()) {
    if (decided.has(problem.conflict_id)) await problems.delete(problem.key);
  }
  // Photos of jobs no longer on the phone go, once the server has them.
  const kept = new Set(await jobs.getAllKeys());
  for (const blob of await tx.objectStore("blobs").getAll()) {
    if (blob.uploaded && !kept.has(blob.job_id)) await tx.objectStore("blobs").delete(blob.sha256);
  }
  await tx.objectStore("meta").put(body.cursor, "cursor");
  await tx.done;
  return body.has_more;
}

const MAX_PAGES = 100; // a server that always says "more" must not keep the phone busy

async function heldNumbers() {
  return new Map((await (await database()).getAll("jobs")).map((job) => [job.id, job.number]));
}

// With `onPulled`, it hears which job numbers came onto the phone and which left it.
async function pull(session, auth, onPulled) {
  const before = onPulled && (await heldNumbers());
  for (let page = 0; page < MAX_PAGES && (await pullPage(session, auth)); page += 1);
  if (!onPulled) return;
  const after = await heldNumbers();
  const gone = (one, other) => [...one].filter(([id]) => !other.has(id)).map(([, number]) => number);
  onPulled({ added: gone(after, before), removed: gone(before, after) });
}

// --- a round -----------------------------------------------------------------------------

// The server refused the token. Revoked (a lost phone, a person who left): everything on
// the phone goes. Expired, or unknown to the server: the work stays for the same person
// to send after signing in again; nothing of it is lost because a date passed.
async function signedOutBy(error, session) {
  if (!error.revoked) return setAside(session.token);
  if (await wipe({ token: session.token })) await setMeta("signedOutReason", "revoked");
}

// Runs one round; resolves to "done", "signed-out" (401: signed out, local data wiped if
// the token was revoked, kept if it expired), "no-session". `onPulled` hears what the pull
// added to and removed from the phone's jobs ({added, removed}: job numbers).
// Throws RetryError (try again later) or RequestError (the server refused the request).
export async function syncOnce({ onPulled } = {}) {
  const run = async () => {
    const found = await credentials();
    if (!found) return "no-session";
    const { session, auth } = found;
    try {
      await uploadBlobs(auth);
      await push(session, auth);
      await pull(session, auth, onPulled);
    } catch (error) {
      if (error instanceof AuthError) {
        await signedOutBy(error, session);
        announce({ type: "signed-out" });
        return "signed-out";
      }
      throw error;
    }
    await setMeta("lastSyncAt", new Date().toISOString());
    announce({ type: "changed" });
    return "done";
  };
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request("dala-sync", run);
  }
  return run();
}

export { AuthError, RequestError, RetryError };
