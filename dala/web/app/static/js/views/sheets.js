// Sheets over the job: finishing it (work summary, the customer's signature, complete),
// collecting a signature alone, and the reason for a hold or for turning back.
import SignaturePad from "/static/vendor/signature_pad/signature_pad.js";
import { html, icon, render } from "../dom.js";
import { t, tn } from "../i18n.js";
import { act, uuid } from "../mutations.js";
import { blobRecord } from "../media.js";
import { STEP } from "../ui.js";
import { attachments, customerOf, list } from "./jobdoc.js";

let finish = null;
let reason = null;

function modal(id, body) {
  const root = document.getElementById("sheet-root");
  const holder = document.createElement("div");
  render(holder, body);
  const element = holder.firstElementChild;
  element.id = id;
  root.append(element);
  return element;
}

function finishMarkup() {
  return html`
    <div class="modal fade" tabindex="-1" aria-labelledby="finish-title" aria-hidden="true" data-testid="finish-sheet">
      <div class="modal-dialog modal-fullscreen-sm-down modal-dialog-centered">
        <form class="modal-content" novalidate>
          <div class="modal-header">
            <h2 class="modal-title h5" id="finish-title"></h2>
            <button type="button" class="btn-close" data-bs-dismiss="modal" aria-label="${t("close")}"></button>
          </div>
          <div class="modal-body">
            <div class="alert alert-warning small py-2" data-role="unticked"></div>
            <div data-role="summary">
              <label class="form-label" for="finish-note">${t("work_summary")}</label>
              <textarea class="form-control mb-3" id="finish-note" rows="2" maxlength="5000"
                        placeholder="${t("work_summary_placeholder")}"></textarea>
            </div>
            <label class="form-label" for="signer-name">${t("signer_name")}</label>
            <input class="form-control form-control-lg mb-2" id="signer-name" maxlength="200" autocomplete="off">
            <div class="invalid-feedback" data-role="signer-error">${t("signer_required")}</div>
            <div class="sig-pad position-relative border border-2 border-secondary-subtle rounded-4 bg-white" data-role="pad">
              <canvas class="w-100 h-100 rounded-4" data-testid="signature-pad" aria-label="${t("sign_here")}"></canvas>
              <span class="position-absolute top-50 start-50 translate-middle text-body-tertiary pe-none" data-role="hint">
                ${icon("pen")} ${t("sign_here")}</span>
            </div>
            <button type="button" class="btn btn-link btn-sm px-0" data-role="clear">${icon("eraser")} ${t("clear")}</button>
          </div>
          <div class="modal-footer">
            <button type="submit" class="btn btn-success ${STEP}" data-testid="finish-submit"></button>
          </div>
        </form>
      </div>
    </div>`;
}

function reasonMarkup() {
  return html`
    <div class="modal fade" tabindex="-1" aria-labelledby="reason-title" aria-hidden="true" data-testid="reason-sheet">
      <div class="modal-dialog modal-dialog-centered">
        <form class="modal-content" novalidate>
          <div class="modal-header">
            <h2 class="modal-title h5" id="reason-title"></h2>
            <button type="button" class="btn-close" data-bs-dismiss="modal" aria-label="${t("close")}"></button>
          </div>
          <div class="modal-body">
            <label class="form-label" for="reason-text">${t("reason")}</label>
            <textarea class="form-control" id="reason-text" rows="3" maxlength="1000" required></textarea>
            <div class="invalid-feedback">${t("reason_required")}</div>
          </div>
          <div class="modal-footer">
            <button type="submit" class="btn btn-warning ${STEP}" data-testid="reason-submit"></button>
          </div>
        </form>
      </div>
    </div>`;
}

function fitCanvas(canvas, pad) {
  // A resized canvas loses its drawing: keep the strokes (a customer may already have
  // started signing while the sheet slid in) and draw them again at the new size.
  const strokes = pad.toData();
  const ratio = Math.max(window.devicePixelRatio || 1, 1);
  canvas.width = canvas.offsetWidth * ratio;
  canvas.height = canvas.offsetHeight * ratio;
  canvas.getContext("2d").scale(ratio, ratio);
  pad.clear();
  if (strokes.length) pad.fromData(strokes);
}

function pngOf(canvas) {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("toBlob"))), "image/png"),
  );
}

// The finish sheet, in "complete" mode (summary + signature + complete) or "sign" mode.
export function openFinish(job, mode, done) {
  // Built anew each time: the labels follow the language chosen meanwhile.
  finish?.element.remove();
  const element = modal("finish-sheet", finishMarkup());
  const canvas = element.querySelector("canvas");
  const pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)", penColor: "#1a2a4a" });
  finish = { element, pad };
  const form = element.querySelector("form");
  const signed = attachments(job, "signature").length > 0;
  const complete = mode === "complete";
  const unticked = list(job, "checklist").filter((item) => !item.done).length;
  element.querySelector("#finish-title").textContent = complete ? t("finish_title") : t("signature_title");
  element.querySelector("[data-role=summary]").hidden = !complete;
  const warning = element.querySelector("[data-role=unticked]");
  warning.hidden = !complete || unticked === 0;
  warning.textContent = tn("unticked_items", unticked);
  const customer = customerOf(job);
  element.querySelector("#signer-name").value = customer.name || "";
  const submit = element.querySelector("[data-testid=finish-submit]");
  submit.textContent = complete ? t("complete_job") : t("save_signature");
  // A job already signed can be completed without signing again.
  element.querySelector("[data-role=pad]").classList.toggle("optional", complete && signed);
  element.querySelector("[data-role=clear]").addEventListener("click", () => pad.clear());
  pad.addEventListener("beginStroke", () => element.querySelector("[data-role=hint]").classList.add("d-none"));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const signer = element.querySelector("#signer-name");
    const name = signer.value.trim();
    const inked = !pad.isEmpty();
    if ((inked || !complete) && !name) {
      signer.classList.add("is-invalid");
      element.querySelector("[data-role=signer-error]").classList.add("d-block");
      return;
    }
    if (!complete && !inked) return;
    submit.disabled = true;
    const note = element.querySelector("#finish-note").value.trim();
    if (complete && note) await act("note.add", { id: uuid(), job_id: job.id, text: note });
    if (inked) {
      const record = await blobRecord(await pngOf(canvas), "signature", job.id);
      await act(
        "signature.attach",
        { id: uuid(), job_id: job.id, sha256: record.sha256, signer_name: name },
        { blob: record },
      );
    }
    if (complete) await act("job.complete", { job_id: job.id });
    bootstrap.Modal.getOrCreateInstance(element).hide();
    done();
  });
  element.addEventListener("shown.bs.modal", () => fitCanvas(canvas, pad), { once: true });
  bootstrap.Modal.getOrCreateInstance(element).show();
}

// Reason for "job.hold" or "job.turn_back".
export function openReason(job, name, done) {
  reason?.remove();
  reason = modal("reason-sheet", reasonMarkup());
  const hold = name === "job.hold";
  reason.querySelector("#reason-title").textContent = hold ? t("hold_title") : t("turn_back_title");
  const submit = reason.querySelector("[data-testid=reason-submit]");
  submit.textContent = hold ? t("hold") : t("turn_back");
  const text = reason.querySelector("#reason-text");
  const element = reason;
  element.querySelector("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value) {
      text.classList.add("is-invalid");
      return;
    }
    submit.disabled = true;
    await act(name, { job_id: job.id, reason: value });
    bootstrap.Modal.getOrCreateInstance(element).hide();
    done();
  });
  element.addEventListener("shown.bs.modal", () => text.focus(), { once: true });
  bootstrap.Modal.getOrCreateInstance(element).show();
}
