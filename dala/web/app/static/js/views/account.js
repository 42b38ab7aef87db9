// Signing in (once: the token is kept for offline use) and the technician's own page:
// language, sync problems, signing out.
import { call, RequestError, RetryError } from "../api.js";
import { database, getMeta, pendingCount, wipe } from "../db.js";
import { html, icon } from "../dom.js";
import { LANGUAGES, VERSION, language, t, tn } from "../i18n.js";
import { CARD, SECTION_TITLE, STEP, TOUCH } from "../ui.js";

export const TOKEN_NAME = "Technician app";

function languageSwitch() {
  return html`<div class="btn-group w-100" role="group" aria-label="${t("language")}" data-testid="language-switch">
    ${LANGUAGES.map(([code, name]) => html`<button type="button" class="btn ${TOUCH} ${code === language() ? "btn-primary" : "btn-outline-primary"}"
        data-action="language" data-language="${code}" lang="${code}">${name}</button>`)}
  </div>`;
}

// Why the sign-in screen shows, if the app signed the technician out.
async function signedOutText() {
  const why = await getMeta("signedOutReason");
  if (why === "revoked") return [t("signed_out_revoked")];
  if (why !== "expired") return [];
  const waiting = await pendingCount();
  if (!waiting) return [t("signin_expired")];
  return [tn("signin_expired_waiting", waiting), t("signin_expired_other_user")];
}

export async function signInView(message) {
  const reasons = message ? [message] : await signedOutText();
  // After an expiry the same person signs in again: their company and e-mail are known.
  const earlier = (await getMeta("expiredSession")) || null;
  return {
    title: "Dala",
    bare: true,
    body: html`
      <div class="row justify-content-center"><div class="col-sm-10 col-md-8">
        <div class="text-center my-4">
          <img src="/app/icon-192.png" alt="" width="72" height="72" class="rounded-4 shadow-sm mb-3">
          <h1 class="h4 mb-1">${t("signin_title")}</h1>
          <p class="text-body-secondary small mb-0">${t("signin_intro")}</p>
        </div>
        ${reasons.length
          ? html`<div class="alert alert-warning small" role="alert" data-testid="signin-message">
              ${reasons.map((text, i) => html`<p class="${i === reasons.length - 1 ? "mb-0" : "mb-1"}">${text}</p>`)}</div>`
          : ""}
        <form class="${CARD} card-body" data-action="sign-in" novalidate data-testid="signin-form">
          <label class="form-label" for="tenant">${t("company_id")}</label>
          <input class="form-control form-control-lg mb-3" id="tenant" name="tenant" autocomplete="organization"
                 autocapitalize="none" spellcheck="false" required value="${earlier?.tenant?.slug || ""}">
          <label class="form-label" for="email">${t("email")}</label>
          <input class="form-control form-control-lg mb-3" id="email" name="email" type="email" autocomplete="username"
                 autocapitalize="none" required value="${earlier?.user?.email || ""}">
          <label class="form-label" for="password">${t("password")}</label>
          <input class="form-control form-control-lg mb-3" id="password" name="password" type="password"
                 autocomplete="current-password" required>
          <div class="alert alert-danger small py-2 d-none" role="alert" data-role="error" data-testid="signin-error"></div>
          <button class="btn btn-primary ${STEP}" type="submit">${t("sign_in")}</button>
        </form>
        <div class="mt-4">${languageSwitch()}</div>
      </div></div>`,
  };
}

// Returns an error message, or null when signed in.
export async function signIn(form) {
  const data = Object.fromEntries(new FormData(form));
  if (!data.tenant || !data.email || !data.password) return t("signin_fill_all");
  const device = await getMeta("language");
  let token;
  try {
    ({ body: { access_token: token } } = await call("POST", "/api/v1/auth/token", {
      auth: { language: device || language() },
      json: { tenant: data.tenant.trim(), email: data.email.trim(), password: data.password, token_name: TOKEN_NAME },
    }));
  } catch (error) {
    if (error instanceof RetryError) return t("signin_offline");
    return error.message;
  }
  let me;
  try {
    ({ body: me } = await call("GET", "/api/v1/me", { auth: { token, language: device || language() } }));
  } catch (error) {
    return error instanceof RequestError ? error.message : t("signin_offline");
  }
  if (!me.grants.some((grant) => grant.permissions.includes("job:work"))) return t("signin_not_technician");
  const user = { id: me.user.id, name: me.user.name, email: me.user.email, locale: me.user.locale };
  const tenant = { id: me.tenant.id, name: me.tenant.name, slug: me.tenant.slug };
  if (await resume(token, user, tenant)) return null;
  // Someone new on this phone (or the first sign-in): nobody else's work or jobs stay, and
  // they start at their day, not on a screen of the one before.
  await wipe();
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  const db = await database();
  const tx = db.transaction("meta", "readwrite");
  await tx.store.put(
    { token, user, tenant, clientGroupId: crypto.randomUUID(), clientId: crypto.randomUUID() },
    "session",
  );
  await tx.store.put(1, "nextMutationId");
  await tx.done;
  return null;
}

// The person whose token expired signed in again: the same session goes on with the new
// token — the same client ids and mutation counter, so the waiting outbox is sent as it
// is and the server still applies each change once. False when it is someone else.
async function resume(token, user, tenant) {
  const db = await database();
  const tx = db.transaction("meta", "readwrite");
  const earlier = await tx.store.get("expiredSession");
  const same = earlier && earlier.user?.id === user.id && earlier.tenant?.id === tenant.id;
  if (same) {
    await tx.store.put({ ...earlier, token, user, tenant }, "session");
    await tx.store.delete("expiredSession");
    await tx.store.delete("signedOutReason");
  }
  await tx.done;
  return Boolean(same);
}

export async function accountView(session) {
  const db = await database();
  const problems = (await db.count("problems")) + (await db.count("conflicts"));
  const pending = await pendingCount();
  return {
    title: t("title_me"),
    back: "#/",
    body: html`
      <section class="${CARD} mb-3"><div class="card-body d-flex gap-3 align-items-center">
        <span class="d-inline-flex p-2 rounded-circle bg-primary text-white fs-4 lh-1 flex-shrink-0">${icon("person-fill")}</span>
        <div class="flex-grow-1 overflow-hidden">
          <div class="fw-semibold" data-testid="me-name">${session.user.name}</div>
          <div class="small text-body-secondary text-truncate">${session.user.email}</div>
          <div class="small text-body-secondary">${session.tenant.name}</div>
        </div>
      </div></section>
      <a class="${CARD} mb-3 text-reset text-decoration-none" href="#/problems" data-testid="problems-link">
        <div class="card-body tap d-flex align-items-center gap-2">
          ${icon("exclamation-diamond", problems ? "text-danger fs-4" : "text-success fs-4")}
          <span class="flex-fill">${t("title_problems")}</span>
          <span class="badge rounded-pill ${problems ? "text-bg-danger" : "text-bg-light"}" data-testid="problem-count">${problems}</span>
          ${icon("chevron-right")}
        </div></a>
      <section class="${CARD} mb-3"><div class="card-body">
        <h2 class="${SECTION_TITLE}">${t("language")}</h2>
        ${languageSwitch()}
      </div></section>
      <section class="${CARD} mb-3"><div class="card-body">
        <h2 class="${SECTION_TITLE}">${t("install_title")}</h2>
        <p class="small mb-0">${t("install_text")}</p>
      </div></section>
      ${pending ? html`<div class="alert alert-warning small">${icon("exclamation-triangle-fill")} ${tn("signout_pending", pending)}</div>` : ""}
      <button type="button" class="btn btn-outline-danger ${TOUCH} w-100" data-action="sign-out" data-pending="${pending}" data-testid="sign-out">
        ${icon("box-arrow-right")} ${t("sign_out")}</button>
      <p class="text-center small text-body-secondary mt-4">Dala · ${VERSION}</p>
    `,
  };
}

export async function signOut() {
  await wipe();
}
