// Reading a job document as the pull sends it (docs/sync-protocol.md, "Pull").
export function customerOf(job) {
  return job.customer || {};
}

export function siteOf(job) {
  return job.site || {};
}

export function jobZone(job) {
  return job.timezone || job.site?.timezone || undefined;
}

export function list(job, field) {
  return Array.isArray(job[field]) ? job[field] : [];
}

export function attachments(job, kind) {
  return list(job, "attachments").filter((a) => a.kind === kind);
}

// The stored bytes of an attachment: by its hash (made here) or its id (from the server).
export function blobOf(attachment, blobs, files) {
  const sha = attachment.sha256 || files.get(attachment.id)?.sha256;
  return sha ? blobs.get(sha) : undefined;
}

// What a conflict is about, in the technician's words.
export function conflictText(conflict, t, statusLabel) {
  if (conflict.kind === "reassigned") return t("conflict_reassigned");
  return t("conflict_office_status", { status: statusLabel(conflict.office_status) });
}
