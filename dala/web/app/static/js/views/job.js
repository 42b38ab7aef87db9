// One job: the next step, customer, site with navigation, access notes, checklist, photos,
// parts, notes, signature, time, and the jobs done at this site before.
import { database } from "../db.js";
import { html, icon } from "../dom.js";
import { navigationLinks } from "../geo.js";
import { dateLong, dateTime, number, t, time, tn } from "../i18n.js";
import { blobUrl } from "../media.js";
import { CAN_HOLD, CAN_TURN_BACK, CLOSED, NEXT_STEP, statusBadge, statusLabel } from "../status.js";
import { CARD, SECTION_TITLE, STEP, TOUCH, revealed } from "../ui.js";
import { attachments, blobOf, conflictText, customerOf, jobZone, list, siteOf } from "./jobdoc.js";
import { timeRange, windowText } from "./jobs.js";

function section(title, body, { id, count } = {}) {
  return html`
    <section class="${CARD} mb-3" ${id ? html`data-testid="${id}"` : ""}>
      <div class="card-body">
        <h2 class="${SECTION_TITLE}">${title}${count ? html` <span class="badge rounded-pill text-bg-light">${count}</span>` : ""}</h2>
        ${body}
      </div>
    </section>`;
}

function pendingMark(record, extra = "") {
  return record.pending
    ? html`<span class="text-warning-emphasis small ${extra}" title="${t("waiting_to_sync")}">${icon("cloud-arrow-up")}</span>`
    : "";
}

function header(job, problems) {
  const step = NEXT_STEP[job.status];
  const closed = CLOSED.has(job.status);
  return html`
    <section class="${CARD} border-top border-5 st-edge st-${job.status} mb-3">
      <div class="card-body">
        <div class="d-flex align-items-center gap-2 mb-1">
          <span class="text-body-secondary small">#${job.number}</span>
          ${job.priority === "emergency" || job.priority === "high"
            ? html`<span class="badge text-bg-danger">${t(`priority_${job.priority}`)}</span>` : ""}
          <span class="ms-auto">${statusBadge(job.status)}</span>
        </div>
        <h1 class="h5 mb-1" data-testid="job-title">${job.title}</h1>
        <div class="small text-body-secondary">
          ${icon("calendar-event")} ${job.scheduled_start ? dateLong(job.scheduled_start, jobZone(job)) : ""} ${timeRange(job)}
          ${windowText(job) ? html`<br>${icon("clock")} ${windowText(job)}` : ""}
        </div>
        ${problems.map((p) => html`
          <div class="alert ${p.kind === "conflict" ? "alert-warning" : "alert-danger"} small mt-3 mb-0" data-testid="job-problem">
            ${icon(p.kind === "conflict" ? "exclamation-triangle-fill" : "x-octagon-fill")}
            <strong>${p.kind === "conflict" ? t("problem_conflict") : t("problem_rejected")}:</strong> ${p.message}
          </div>`)}
        ${step
          ? html`<button type="button" class="btn btn-primary ${STEP} mt-3" data-action="step"
                   data-job-id="${job.id}" data-testid="next-step">${icon(step.icon)} ${t(step.label)}</button>`
          : closed || job.status === "on_hold"
            ? ""
            : html`<p class="small text-body-secondary mt-3 mb-0">${t("waiting_for_dispatch")}</p>`}
        ${CAN_HOLD.has(job.status) || CAN_TURN_BACK.has(job.status)
          ? html`<div class="d-flex gap-2 mt-2">
              ${CAN_HOLD.has(job.status)
                ? html`<button type="button" class="btn btn-outline-secondary ${TOUCH} flex-fill" data-action="hold" data-job-id="${job.id}">
                    ${icon("pause-circle")} ${t("hold")}</button>` : ""}
              ${CAN_TURN_BACK.has(job.status)
                ? html`<button type="button" class="btn btn-outline-secondary ${TOUCH} flex-fill" data-action="turn-back" data-job-id="${job.id}">
                    ${icon("arrow-counterclockwise")} ${t("turn_back")}</button>` : ""}
            </div>` : ""}
      </div>
    </section>`;
}

function customerSection(job) {
  const customer = customerOf(job);
  const phone = customer.phone;
  return section(t("customer"), html`
    <div class="fw-semibold" data-testid="customer-name">${customer.name}</div>
    ${phone
      ? html`<a class="btn btn-outline-success ${TOUCH} w-100 mt-2" href="tel:${phone.replace(/[^+\d]/g, "")}" data-testid="call">
          ${icon("telephone-fill")} ${t("call")} ${phone}</a>`
      : ""}
  `);
}

function siteSection(job) {
  const site = siteOf(job);
  if (!site.address && site.latitude == null) return "";
  const links = site.latitude != null && site.longitude != null
    ? navigationLinks(site.latitude, site.longitude, site.address)
    : null;
  return section(t("site"), html`
    <div data-testid="site-address">${icon("geo-alt-fill", "text-danger")} ${site.address}</div>
    ${site.access_notes
      ? html`<div class="bg-warning-subtle rounded-3 px-3 py-2 mt-2" data-testid="access-notes">${icon("key-fill")} ${site.access_notes}</div>` : ""}
    ${links
      ? html`<div class="d-flex gap-2 mt-2">
          <a class="btn btn-primary ${TOUCH} flex-fill" href="${links.geo}" data-testid="navigate">${icon("sign-turn-right-fill")} ${t("navigate")}</a>
          <div class="dropdown">
            <button class="btn btn-outline-primary ${TOUCH} dropdown-toggle" type="button" data-bs-toggle="dropdown" aria-expanded="false">${t("maps")}</button>
            <ul class="dropdown-menu dropdown-menu-end">
              <li><a class="dropdown-item py-2" target="_blank" rel="noopener" href="${links.google}">Google Maps</a></li>
              <li><a class="dropdown-item py-2" target="_blank" rel="noopener" href="${links.twogis}">2GIS</a></li>
              <li><a class="dropdown-item py-2" target="_blank" rel="noopener" href="${links.yandex}">${t("yandex_maps")}</a></li>
            </ul>
          </div>
        </div>` : ""}
  `);
}

function checklistSection(job, closed) {
  const items = list(job, "checklist");
  if (!items.length) return "";
  const done = items.filter((item) => item.done).length;
  return section(t("checklist"), html`
    <div class="list-group list-group-flush">
      ${items.map((item) => html`
        <button type="button" class="list-group-item list-group-item-action d-flex align-items-center gap-3 py-3 px-1"
                data-action="tick" data-job-id="${job.id}" data-item-id="${item.id}" data-done="${item.done ? "1" : ""}"
                aria-pressed="${item.done ? "true" : "false"}" ${closed ? "disabled" : ""} data-testid="checklist-item">
          ${icon(item.done ? "check-circle-fill" : "circle", `fs-4 lh-1 ${item.done ? "text-success" : "text-body-tertiary"}`)}
          <span class="flex-fill text-start ${item.done ? "text-decoration-line-through text-body-secondary" : ""}">${item.label}</span>
          ${pendingMark(item)}
        </button>`)}
    </div>`, { id: "checklist", count: `${done}/${items.length}` });
}

function photosSection(job, blobs, files, closed) {
  const photos = attachments(job, "photo");
  if (!photos.length && closed) return "";
  return section(t("photos"), html`
    <div class="row row-cols-3 g-2" data-testid="photos">
      ${photos.map((photo) => {
        const url = blobUrl(blobOf(photo, blobs, files));
        // A square tile (Bootstrap's ratio): its one child fills it; the mark sits in its corner.
        return html`<div class="col"><figure class="ratio ratio-1x1 rounded-3 overflow-hidden bg-body-secondary mb-0" data-testid="photo">
          <div>
            ${url ? html`<img class="w-100 h-100 object-fit-cover" src="${url}" alt="${photo.caption || t("photo")}">`
                  : html`<div class="h-100 d-flex flex-column align-items-center justify-content-center p-1 small text-center text-body-secondary">
                      ${icon("image", "fs-3")}<span>${t("photo_on_server")}</span></div>`}
            ${pendingMark(photo, "position-absolute bottom-0 end-0 m-1 px-1 bg-body rounded-circle")}
          </div></figure></div>`;
      })}
    </div>
    ${closed ? "" : html`
      <label class="btn btn-outline-primary ${TOUCH} w-100 mt-2" data-testid="take-photo">
        ${icon("camera-fill")} ${t("take_photo")}
        <input type="file" accept="image/*" capture="environment" class="visually-hidden"
               data-action="photo" data-job-id="${job.id}">
      </label>`}`, { id: "photos-section", count: photos.length || "" });
}

function partsSection(job, closed) {
  const parts = list(job, "parts");
  if (!parts.length && closed) return "";
  const open = revealed.has(`${job.id}:part`);
  return section(t("parts"), html`
    ${parts.length ? html`<ul class="list-unstyled mb-2" data-testid="parts">
      ${parts.map((part) => html`<li class="d-flex gap-2 py-1 border-bottom" data-testid="part">
        <span class="fw-semibold">${number(part.quantity)} ×</span>
        <span class="flex-fill">${part.name}${part.sku ? html` <span class="text-body-secondary small">${part.sku}</span>` : ""}</span>
        ${pendingMark(part)}</li>`)}
    </ul>` : ""}
    ${closed ? "" : html`
      <button type="button" class="btn btn-outline-primary ${TOUCH} w-100 ${open ? "d-none" : ""}" data-action="show-part-form" data-testid="add-part">
        ${icon("box-seam")} ${t("add_part")}</button>
      <form class="part-form mt-2 ${open ? "" : "d-none"}" data-action="part" data-job-id="${job.id}" novalidate>
        <label class="form-label small" for="part-name">${t("part_name")}</label>
        <input class="form-control form-control-lg" id="part-name" name="name" maxlength="200" required autocomplete="off">
        <div class="row g-2 mt-1">
          <div class="col-7"><label class="form-label small" for="part-sku">${t("part_sku")}</label>
            <input class="form-control form-control-lg" id="part-sku" name="sku" maxlength="64" autocomplete="off"></div>
          <div class="col-5"><label class="form-label small" for="part-qty">${t("quantity")}</label>
            <input class="form-control form-control-lg" id="part-qty" name="quantity" type="number" inputmode="decimal"
                   min="0.001" step="any" value="1" required></div>
        </div>
        <button class="btn btn-primary ${TOUCH} w-100 mt-2" type="submit" data-testid="save-part">${t("save_part")}</button>
      </form>`}`, { id: "parts-section", count: parts.length || "" });
}

function notesSection(job, closed) {
  const notes = list(job, "notes");
  if (!notes.length && closed) return "";
  const zone = jobZone(job);
  return section(t("notes"), html`
    ${notes.map((note) => html`<div class="py-2 border-bottom" data-testid="note">
      <div class="pre-line">${note.text}</div>
      <div class="small text-body-secondary">${note.author_name || ""} · ${dateTime(note.written_at || note.created_at, zone)} ${pendingMark(note)}</div>
    </div>`)}
    ${closed ? "" : html`
      <form class="mt-2" data-action="note" data-job-id="${job.id}">
        <label class="visually-hidden" for="note-text">${t("note")}</label>
        <textarea class="form-control" id="note-text" name="text" rows="2" maxlength="5000"
                  placeholder="${t("note_placeholder")}"></textarea>
        <button class="btn btn-outline-primary ${TOUCH} w-100 mt-2" type="submit" data-testid="add-note">${icon("chat-left-text")} ${t("add_note")}</button>
      </form>`}`, { id: "notes-section", count: notes.length || "" });
}

function signatureSection(job, blobs, files, closed) {
  const signatures = attachments(job, "signature");
  if (!signatures.length && closed) return "";
  const zone = jobZone(job);
  return section(t("signature"), html`
    ${signatures.map((s) => {
      const url = blobUrl(blobOf(s, blobs, files));
      return html`<figure class="mb-2" data-testid="signature">
        ${url ? html`<img class="img-fluid border rounded-3 bg-white" src="${url}" alt="${t("signature")}">` : ""}
        <figcaption class="small">${s.signer_name} · ${dateTime(s.created_at, zone)} ${pendingMark(s)}</figcaption>
      </figure>`;
    })}
    ${closed ? "" : html`<button type="button" class="btn btn-outline-primary ${TOUCH} w-100" data-action="sign" data-job-id="${job.id}" data-testid="collect-signature">
      ${icon("pen")} ${t("collect_signature")}</button>`}`, { id: "signature-section" });
}

function timeSection(job, closed) {
  const entries = list(job, "time_entries");
  const open = revealed.has(`${job.id}:time`);
  if (!entries.length && closed) return "";
  const zone = jobZone(job);
  return section(t("time"), html`
    ${entries.map((e) => html`<div class="d-flex gap-2 py-1 border-bottom small" data-testid="time-entry">
      <span class="fw-semibold">${t(`time_${e.kind}`)}</span>
      <span class="ms-auto">${time(e.started_at, zone)}–${time(e.ended_at, zone)}</span>${pendingMark(e)}</div>`)}
    ${closed ? "" : html`
      <button type="button" class="btn btn-outline-secondary ${TOUCH} w-100 mt-2 ${open ? "d-none" : ""}" data-action="show-time-form">${icon("stopwatch")} ${t("log_time")}</button>
      <form class="time-form mt-2 ${open ? "" : "d-none"}" data-action="time" data-job-id="${job.id}">
        <label class="form-label small" for="time-kind">${t("time_kind")}</label>
        <select class="form-select form-select-lg" id="time-kind" name="kind">
          <option value="work">${t("time_work")}</option><option value="travel">${t("time_travel")}</option><option value="break">${t("time_break")}</option>
        </select>
        <div class="row g-2 mt-1">
          <div class="col"><label class="form-label small" for="time-from">${t("from")}</label>
            <input class="form-control form-control-lg" id="time-from" name="from" type="time" required></div>
          <div class="col"><label class="form-label small" for="time-to">${t("to")}</label>
            <input class="form-control form-control-lg" id="time-to" name="to" type="time" required></div>
        </div>
        <div class="invalid-feedback d-block" data-role="time-error"></div>
        <button class="btn btn-primary ${TOUCH} w-100 mt-2" type="submit">${t("save_time")}</button>
      </form>`}`, { id: "time-section" });
}

function historySection(job) {
  const earlier = list(job, "site_history");
  if (!earlier.length) return "";
  const zone = jobZone(job);
  return section(t("site_history"), html`
    <ul class="list-unstyled mb-0" data-testid="site-history">
      ${earlier.map((e) => html`<li class="py-2 border-bottom">
        <div class="d-flex gap-2"><span class="small text-body-secondary">${dateLong(e.completed_at, zone)}</span>
          <span class="small text-body-secondary">#${e.number}</span>
          <span class="ms-auto">${statusBadge("completed")}</span></div>
        <div>${e.title}</div>
        ${e.notes_count ? html`<div class="small text-body-secondary">${icon("chat-left-text")} ${tn("notes_count", e.notes_count)}</div>` : ""}
      </li>`)}
    </ul>`);
}

function statusHistory(job) {
  const steps = list(job, "status_history");
  if (!steps.length) return "";
  const zone = jobZone(job);
  return section(t("status_history"), html`
    <ol class="list-unstyled mb-0">
      ${steps.map((s) => html`<li class="d-flex align-items-baseline gap-2 pb-2">${icon("circle-fill", `small st-fg st-${s.to_status}`)}
        <div><span class="fw-semibold">${statusLabel(s.to_status)}</span>
        <span class="small text-body-secondary">${dateTime(s.at, zone)}</span> ${pendingMark(s)}
        ${s.reason ? html`<div class="small">${s.reason}</div>` : ""}</div></li>`)}
    </ol>`);
}

export async function jobView(id) {
  const db = await database();
  const job = await db.get("jobs", id);
  if (!job) {
    return {
      title: t("title_job"),
      back: "#/",
      body: html`<div class="text-center text-body-secondary py-5" data-testid="job-gone">
        ${icon("inbox", "display-5 d-block mb-2")}${t("job_gone")}</div>`,
    };
  }
  const blobs = new Map((await db.getAll("blobs")).map((b) => [b.sha256, b]));
  const files = new Map((await db.getAll("files")).map((f) => [f.id, f]));
  const problems = (await db.getAll("problems")).filter((p) => p.job_id === id && p.kind !== "upload");
  const conflicts = (await db.getAll("conflicts")).filter((c) => c.job_id === id);
  const shown = [
    ...conflicts.map((c) => ({ kind: "conflict", message: conflictText(c, t, statusLabel) })),
    ...problems.filter((p) => !conflicts.some((c) => c.id === p.conflict_id)),
  ];
  const closed = CLOSED.has(job.status);
  const description = job.description
    ? section(t("description"), html`<div class="pre-line" data-testid="description">${job.description}</div>`)
    : "";
  return {
    title: t("title_job_number", { number: job.number }),
    back: "#/",
    body: html`
      <div data-testid="job-detail" data-job-id="${job.id}">
        ${header(job, shown)}
        ${customerSection(job)}
        ${siteSection(job)}
        ${description}
        ${checklistSection(job, closed)}
        ${photosSection(job, blobs, files, closed)}
        ${partsSection(job, closed)}
        ${notesSection(job, closed)}
        ${signatureSection(job, blobs, files, closed)}
        ${timeSection(job, closed)}
        ${historySection(job)}
        ${statusHistory(job)}
      </div>`,
  };
}
