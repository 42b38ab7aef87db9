// Photos and signatures made elsewhere (the office, another phone) come down once, while
// the job is open and the phone online, and are kept to show offline.
import { database, session } from "./db.js";
import { sha256 } from "./media.js";
import { attachments } from "./views/jobdoc.js";

const tried = new Set();

// Resolves to true when something new was stored (the screen should redraw).
export async function fetchMissing(jobId) {
  if (!navigator.onLine) return false;
  const db = await database();
  const job = await db.get("jobs", jobId);
  const current = await session();
  if (!job || !current) return false;
  let stored = false;
  for (const attachment of [...attachments(job, "photo"), ...attachments(job, "signature")]) {
    if (!attachment.url || attachment.sha256 || tried.has(attachment.id)) continue;
    if (await db.get("files", attachment.id)) continue;
    tried.add(attachment.id);
    try {
      const response = await fetch(attachment.url, {
        headers: { Authorization: `Bearer ${current.token}`, "X-Dala-Client": "app" },
      });
      if (!response.ok) continue;
      const blob = await response.blob();
      const sha = await sha256(blob);
      const tx = db.transaction(["blobs", "files"], "readwrite");
      await tx.objectStore("blobs").put({
        sha256: sha,
        blob,
        type: blob.type,
        size: blob.size,
        kind: attachment.kind,
        job_id: jobId,
        uploaded: true,
      });
      await tx.objectStore("files").put({ id: attachment.id, sha256: sha });
      await tx.done;
      stored = true;
    } catch {
      // Offline again or refused: the placeholder stays; the next visit tries again.
      tried.delete(attachment.id);
    }
  }
  return stored;
}
