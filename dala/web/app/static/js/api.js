// Calls to Dala's API, sorted into what the sync loop must do with each answer.

// The server refused the token (401). `reason` is the API's errors.token
// (docs/sync-protocol.md): "revoked" means the company ended this sign-in and local data
// must go; "expired" (or anything else) only that the technician must sign in again.
export class AuthError extends Error {
  constructor(message, reason) {
    super(message);
    this.reason = reason || "";
  }

  get revoked() {
    return this.reason === "revoked";
  }
}

// The network or the server failed: nothing was taken, send the same again later.
export class RetryError extends Error {}

// The server refused the request itself (4xx other than 401): retrying the same will not help.
export class RequestError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

async function body(response) {
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json().catch(() => null) : null;
}

// `auth` is {token, language}; `json` a body to send, or `data` raw bytes with `headers`.
export async function call(method, path, { auth, json, data, headers = {} } = {}) {
  const sent = { "X-Dala-Client": "app", ...headers };
  if (auth?.token) sent.Authorization = `Bearer ${auth.token}`;
  if (auth?.language) sent["Accept-Language"] = auth.language;
  let payload = data;
  if (json !== undefined) {
    sent["Content-Type"] = "application/json";
    payload = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body: payload, cache: "no-store" });
  } catch (error) {
    throw new RetryError(error.message);
  }
  const answer = await body(response);
  if (response.ok) return { status: response.status, body: answer };
  if (response.status === 401 && auth?.token) {
    throw new AuthError(answer?.message || "", answer?.errors?.token?.[0]);
  }
  if (response.status >= 500 || response.status === 429) {
    throw new RetryError(`HTTP ${response.status}`);
  }
  throw new RequestError(response.status, answer);
}
