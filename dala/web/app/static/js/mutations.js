// Technician actions: each is written to IndexedDB at once — the job document changes
// (optimistic) and a mutation joins the outbox in the same transaction — and reaches the
// server later. The mutators here replay pending mutations on top of the server's copy
// when a pull brings a newer one (as Replicache rebases), so nothing shown goes back.
import { database } from "./db.js";

// The statuses a technician's own steps lead to (docs/sync-protocol.md, "Mutations").
export const STEPS = {
  "job.en_route": "en_route",
  "job.arrive": "on_site",
  "job.complete": "completed",
  "job.hold": "on_hold",
  "job.turn_back": "dispatched",
};

function stamp(mutation) {
  return { created_at: mutation.client_ts, pending: true };
}

function withStatus(job, mutation) {
  const to = STEPS[mutation.name];
  const history = [
    ...(job.status_history || []),
    {
      from_status: job.status,
      to_status: to,
      at: mutation.client_ts,
      reason: mutation.args.reason || null,
      source: "app",
      pending: true,
    },
  ];
  return { ...job, status: to, status_changed_at: mutation.client_ts, status_history: history };
}

function appended(job, field, record) {
  return { ...job, [field]: [...(job[field] || []), record] };
}

const MUTATORS = {
  "job.en_route": withStatus,
  "job.arrive": withStatus,
  "job.complete": withStatus,
  "job.hold": withStatus,
  "job.turn_back": withStatus,
  "checklist.set": (job, m) => ({
    ...job,
    checklist: (job.checklist || []).map((item) =>
      item.id === m.args.item_id
        ? { ...item, done: m.args.done, done_at: m.args.done ? m.client_ts : null, pending: true }
        : item,
    ),
  }),
  "note.add": (job, m, me) =>
    appended(job, "notes", {
      id: m.args.id,
      text: m.args.text,
      author_name: me?.name || null,
      written_at: m.client_ts,
      ...stamp(m),
    }),
  "photo.attach": (job, m) =>
    appended(job, "attachments", {
      id: m.args.id,
      kind: "photo",
      sha256: m.args.sha256,
      caption: m.args.caption,
      ...stamp(m),
    }),
  "signature.attach": (job, m) =>
    appended(job, "attachments", {
      id: m.args.id,
      kind: "signature",
      sha256: m.args.sha256,
      signer_name: m.args.signer_name,
      ...stamp(m),
    }),
  "part.use": (job, m) =>
    appended(job, "parts", {
      id: m.args.id,
      name: m.args.name,
      sku: m.args.sku,
      quantity: m.args.quantity,
      ...stamp(m),
    }),
  "time.log": (job, m) =>
    appended(job, "time_entries", {
      id: m.args.id,
      kind: m.args.kind,
      started_at: m.args.started_at,
      ended_at: m.args.ended_at,
      ...stamp(m),
    }),
};

export function applyMutation(job, mutation, me) {
  const mutate = MUTATORS[mutation.name];
  return mutate ? mutate(job, mutation, me) : job;
}

// The server's document with this phone's unanswered mutations for it applied in order.
export function rebase(job, pending, me) {
  return pending
    .filter((m) => m.args.job_id === job.id)
    .reduce((doc, m) => applyMutation(doc, m, me), job);
}

export function uuid() {
  return crypto.randomUUID();
}

// Record one action: the counter, the outbox, the job (and a blob) move together or not at all.
export async function act(name, args, { blob } = {}) {
  const db = await database();
  const tx = db.transaction(["meta", "outbox", "jobs", "blobs", "files"], "readwrite");
  const meta = tx.objectStore("meta");
  const session = await meta.get("session");
  const id = (await meta.get("nextMutationId")) || 1;
  await meta.put(id + 1, "nextMutationId");
  const mutation = { id, name, args, client_ts: new Date().toISOString() };
  await tx.objectStore("outbox").add(mutation);
  if (blob) {
    await tx.objectStore("blobs").put({ ...blob, uploaded: false });
    // The server's copy of the attachment names it by id only: remember which bytes it is.
    await tx.objectStore("files").put({ id: args.id, sha256: blob.sha256 });
  }
  const job = await tx.objectStore("jobs").get(args.job_id);
  if (job) await tx.objectStore("jobs").put(applyMutation(job, mutation, session?.user));
  await tx.done;
  return mutation;
}
