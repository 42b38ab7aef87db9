// Photos and signatures: made small on the phone, named by their SHA-256 (the blob's
// address on the server), kept in IndexedDB until uploaded and to show them offline.

export const MAX_SIDE = 1600;
const JPEG_QUALITY = 0.82;

export async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      // Fall back to an <img> below (some formats decode only there).
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

// A camera photo scaled so its longer side is at most 1600 px, as JPEG: a few hundred
// kilobytes instead of several megabytes to carry over a weak signal.
export async function downscale(file) {
  const image = await decode(file);
  const width = image.width;
  const height = image.height;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff"; // transparent PNGs become white, not black, in JPEG
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  image.close?.();
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob"))), "image/jpeg", JPEG_QUALITY),
  );
}

// The record `act` stores with the mutation that refers to it.
export async function blobRecord(blob, kind, jobId) {
  return { sha256: await sha256(blob), blob, type: blob.type, size: blob.size, kind, job_id: jobId };
}

// Object URLs of stored blobs, made once per blob for the page's life.
const urls = new Map();

export function blobUrl(record) {
  if (!record?.blob) return null;
  if (!urls.has(record.sha256)) urls.set(record.sha256, URL.createObjectURL(record.blob));
  return urls.get(record.sha256);
}
