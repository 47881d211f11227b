// Capture forms: read the form into an entry's plaintext, seal it at once, queue the
// envelope and send it. Works offline once the page and the sealing key are cached.
import { sealEntry, newEntryId } from "./seal.js";
import { queueEnvelope, sealingKey } from "./sync.js";
import { afterSave } from "./outbox.js";
import * as db from "./outbox-db.js";
import { moment } from "./dates.js";

function pad(n) { return String(n).padStart(2, "0"); }

// "2025-07-03T10:00" typed on the phone → "2025-07-03T10:00:00+03:00" in the phone's zone.
export function localIso(value) {
  if (!value) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const abs = Math.abs(offset);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function localInput(d) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function nowLocalInput() { return localInput(new Date()); }

// "2025-07-03T10:00:00+03:00" → the datetime-local value of that moment on this phone.
function inputFromIso(value) {
  const date = value ? new Date(value) : null;
  return date && !Number.isNaN(date.getTime()) ? localInput(date) : "";
}

function readField(form, container) {
  const key = container.dataset.field;
  const kind = container.dataset.kind;
  if (kind === "choices" || kind === "cases") {
    return Array.from(container.querySelectorAll('input[type="checkbox"]:checked')).map((i) => i.value);
  }
  const input = form.elements.namedItem(key);
  if (!input) return null;
  if (kind === "boolean") return input.checked;
  const value = (input.value || "").trim() === "" ? "" : input.value;
  if (value === "") return null;
  if (kind === "integer") return Number.parseInt(value, 10);
  if (kind === "datetime") return localIso(value);
  return value;
}

export function formToPlaintext(form) {
  const fields = {};
  for (const container of form.querySelectorAll("[data-field]")) {
    const key = container.dataset.field;
    if (key === "case" || key === "occurred_at") continue;
    fields[key] = readField(form, container);
  }
  for (const hidden of form.querySelectorAll('input[type="hidden"][data-kind="answers"]')) {
    fields[hidden.name] = JSON.parse(hidden.value || "{}");
  }
  if (fields.notes === null || fields.notes === undefined) fields.notes = "";
  const mode = form.dataset.caseMode;
  let caseRef = null;
  if (mode === "new") caseRef = newEntryId();
  if (mode === "required") caseRef = form.elements.namedItem("case").value || null;
  const revises = form.elements.namedItem("revises");
  return {
    type: form.dataset.entryType,
    case: caseRef,
    occurred_at: localIso(form.elements.namedItem("occurred_at").value),
    revises: revises ? revises.value || null : null,
    fields,
  };
}

// The hearing select: the open hearings of the chosen case, from the list the server put in
// the page (scheduling entry id, case code, time: the offline copy carries nothing more).
function fillHearings(form) {
  const caseInput = form.elements.namedItem("case");
  const chosen = caseInput ? caseInput.value : "";
  for (const select of form.querySelectorAll('select[data-kind="hearing"]')) {
    let hearings = [];
    try { hearings = JSON.parse(select.dataset.hearings || "[]"); } catch (e) { hearings = []; }
    const keep = select.value;
    const first = select.options[0];
    const mine = hearings.filter((h) => h.case === chosen);
    const options = mine.map((h) => {
      const when = new Date(h.at).toLocaleString(document.documentElement.lang || undefined, {
        dateStyle: "medium", timeStyle: "short",
      });
      const option = document.createElement("option");
      option.value = h.id;
      option.textContent = (select.dataset.labelHearing || "{when}").replace("{when}", when);
      return option;
    });
    if (chosen && !mine.length && select.required) {
      const none = document.createElement("option");
      none.value = "";
      none.disabled = true;
      none.textContent = select.dataset.labelNoneOpen || "";
      options.push(none);
    }
    select.replaceChildren(first, ...options);
    if (keep && mine.some((h) => h.id === keep)) select.value = keep;
  }
}

// A field needed only when another has a value (`data-required-when="change=moved"`); when
// not needed it is also emptied, since the schema wants it null then.
function applyRequiredWhen(form) {
  for (const input of form.querySelectorAll("[data-required-when]")) {
    const [key, value] = input.dataset.requiredWhen.split("=");
    const other = form.elements.namedItem(key);
    const needed = !!other && other.value === value;
    input.required = needed;
    input.disabled = !!other && other.value !== "" && !needed;
    if (input.disabled) input.value = "";
  }
}

function checkRequired(form) {
  let first = null;
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const input of form.querySelectorAll("[required]")) {
    if (input.hidden) continue;
    if (!input.value || !input.value.trim() || !input.checkValidity()) {
      input.setAttribute("aria-invalid", "true");
      const message = document.createElement("p");
      message.className = "field-error";
      message.textContent = input.validationMessage && input.value ? input.validationMessage : form.dataset.msgRequired;
      input.insertAdjacentElement("afterend", message);
      first = first || input;
    }
  }
  for (const input of form.querySelectorAll("input[type=number], input[type=date], input[type=datetime-local]")) {
    if (!input.checkValidity() && !input.hasAttribute("aria-invalid")) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
  }
  return first;
}

function showError(form, text) {
  const box = document.getElementById("capture-error");
  if (!box) return;
  box.textContent = text;
  box.hidden = !text;
}

// Labels come from the form's data attributes, which the server rendered in the user's language.
const LABEL = {
  waiting: "msgWaiting", rejected: "msgFailed", conflict: "msgFailed",
  submitted: "msgSent", approved: "msgApproved", returned: "msgReturned", corrected: "msgCorrected",
};

export async function renderStatus(form) {
  const list = document.getElementById("capture-status");
  if (!list) return;
  const [waiting, sent] = await Promise.all([db.all("outbox"), db.all("sent")]);
  const type = form.dataset.entryType;
  const items = [
    ...waiting.filter((i) => i.type === type).map((i) => ({ ...i, shown: i.state })),
    ...sent.filter((i) => i.type === type).map((i) => ({ ...i, shown: i.status || "submitted", sent: true })),
  ].sort((a, b) => (a.saved_at < b.saved_at ? 1 : -1)).slice(0, 10);
  if (!items.length) return;
  list.replaceChildren(...items.map((item) => {
    const li = document.createElement("li");
    li.className = (item.sent ? "status-sent " : "") + "status-" + item.shown;
    li.dataset.entryId = item.id;
    const when = moment(item.saved_at);
    const label = form.dataset[LABEL[item.shown]] || item.shown;
    li.textContent = `${when}${item.case ? " · " + item.case : ""} — ${label}${item.error ? " " + item.error : ""}`;
    return li;
  }));
}

// Sealing takes a moment on a slow phone: leaving the page before the envelope is in the
// outbox would lose the entry, so the browser asks first.
let saving = 0;
window.addEventListener("beforeunload", (event) => {
  if (saving) event.preventDefault();
});

async function onSubmit(event) {
  const form = event.target.closest("form[data-capture]");
  if (!form) return;
  event.preventDefault();
  showError(form, "");
  if (form.dataset.identityWithheld) {
    // A corrected intake without the identity would lose it: it is shown (audited) first.
    showError(form, form.dataset.msgIdentity);
    return;
  }
  const invalid = checkRequired(form);
  if (invalid) {
    showError(form, form.dataset.msgInvalid);
    invalid.focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  saving += 1;
  try {
    const key = await sealingKey();
    if (!key) { showError(form, form.dataset.msgNokey); return; }
    let plaintext = formToPlaintext(form);
    let envelope = await sealEntry(plaintext, key);
    const meta = {
      type: plaintext.type,
      case: plaintext.type === "case_intake" ? "" : plaintext.case || "",
      opens_case: plaintext.type === "case_intake" ? plaintext.case : "",
      revises: plaintext.revises,
      replaces: form.dataset.replaces || "",
    };
    plaintext = null; // only the envelope is kept from here on
    const queued = await queueEnvelope(envelope, meta);
    envelope = null;
    // For whoever watches the page (benchmarks, the outbox badge): the envelope is safe on the phone.
    form.dispatchEvent(new CustomEvent("alongside:queued", { bubbles: true, detail: { id: queued.id } }));
    form.reset();
    forgetCorrection(form);
    setDefaults(form);
    chooseCase(form, form.dataset.addressCase);
    filterCases(form, "");
    fillHearings(form);
    applyRequiredWhen(form);
    await renderStatus(form);
    window.scrollTo({ top: 0 });
    afterSave().then(() => renderStatus(form));
  } catch (error) {
    showError(form, form.dataset.msgError);
  } finally {
    saving -= 1;
    button.disabled = false;
  }
}

function setDefaults(form) {
  for (const input of form.querySelectorAll("[data-default-now]")) {
    if (!input.value) input.value = nowLocalInput();
  }
}

// `?revises=ID` (correcting a returned entry) and `?replaces=ID` (entering again one the
// server refused) come from the address, so that the offline copy of the form serves too.
function applyAddress(form) {
  const params = new URLSearchParams(window.location.search);
  const revises = params.get("revises");
  if (revises && !form.elements.namedItem("revises")) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "revises";
    input.value = revises;
    form.prepend(input);
  }
  const replaces = params.get("replaces");
  if (replaces) form.dataset.replaces = replaces;
  // `?case=` (the case page's buttons): the case is filled in, and stays for the next entry.
  const caseRef = params.get("case");
  if (caseRef && chooseCase(form, caseRef)) form.dataset.addressCase = caseRef;
  const note = document.getElementById("capture-correcting");
  if (note) note.hidden = !(revises || replaces);
}

// A case code or id → the picker's option. A case the page does not list yet (opened on
// this phone, its code not known) is added as it is: the server checks it when it arrives.
const CASE_REFERENCE = /^((MD|XK)-[0-9]{4}-[0-9]{4,}|[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})$/;

function chooseCase(form, reference) {
  const select = form.elements.namedItem("case");
  if (!reference || !(select instanceof HTMLSelectElement)) return false;
  const wanted = reference.length === 36 ? reference.toLowerCase() : reference.toUpperCase();
  let option = Array.from(select.options).find((o) => o.value && (o.value === wanted || o.dataset.caseId === wanted));
  if (!option) {
    if (!CASE_REFERENCE.test(wanted)) return false;
    option = new Option(wanted, wanted);
    select.add(option);
    select.hidden = false;
  }
  select.value = option.value;
  return true;
}

// The case picker's search: part of a code, a label, an age band or a region, in any case
// and with or without diacritics ("balti" finds "Bălți"). Works offline on the cases the
// page carries.
function fold(text) {
  return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function filterCases(form, text) {
  const select = form.elements.namedItem("case");
  if (!(select instanceof HTMLSelectElement)) return;
  const search = form.querySelector("[data-case-search]");
  if (search && search.value !== text) search.value = text;
  const words = fold(text).split(/\s+/).filter(Boolean);
  const matches = [];
  for (const option of select.options) {
    if (!option.value) continue;
    const hay = fold(option.textContent);
    const shown = words.every((word) => hay.includes(word));
    option.hidden = !shown;
    option.disabled = !shown;
    if (shown) matches.push(option);
  }
  if (words.length && matches.length === 1) select.value = matches[0].value;
  else if (select.selectedOptions[0] && select.selectedOptions[0].hidden) select.value = "";
  const none = document.getElementById("f-case-none");
  if (none) none.hidden = !(words.length && !matches.length);
  // A case picked by the search offers its own open hearings.
  fillHearings(form);
}

function onSearch(event) {
  const search = event.target.closest("[data-case-search]");
  if (!search) return;
  const form = search.closest("form[data-capture]");
  if (form) filterCases(form, search.value);
}

// Correcting a returned entry online: the server put what was written into the page (never
// cached), and the form starts from it. The risk form recomputes from the checked answers.
function writeField(form, container, value) {
  const kind = container.dataset.kind;
  if (kind === "choices" || kind === "cases") {
    const chosen = new Set(Array.isArray(value) ? value.map(String) : []);
    for (const box of container.querySelectorAll('input[type="checkbox"]')) box.checked = chosen.has(box.value);
    return;
  }
  const input = form.elements.namedItem(container.dataset.field);
  if (!input || input instanceof RadioNodeList) return;
  if (kind === "boolean") input.checked = value === true;
  else if (kind === "datetime") input.value = inputFromIso(value);
  else if (kind === "hearing") {
    fillHearings(form);
    if (value && !Array.from(input.options).some((o) => o.value === value)) {
      // A hearing no longer open (or named by an older version): keep what was written.
      const option = document.createElement("option");
      option.value = value;
      option.textContent = input.dataset.labelNamed || value;
      input.append(option);
    }
    input.value = value || "";
  }
  else if (value !== null && value !== undefined && typeof value !== "object") input.value = String(value);
}

function applyPrefill(form) {
  const source = document.getElementById("capture-prefill");
  if (!source) return;
  let prior;
  try { prior = JSON.parse(source.dataset.prefill); } catch (e) { return; }
  source.remove(); // read once: a fresh form after saving must not refill
  const caseInput = form.elements.namedItem("case");
  if (caseInput && prior.case) caseInput.value = prior.case;
  const when = form.elements.namedItem("occurred_at");
  if (when) when.value = inputFromIso(prior.occurred_at);
  const fields = prior.fields || {};
  for (const container of form.querySelectorAll("[data-field]")) {
    const key = container.dataset.field;
    if (key === "case" || key === "occurred_at" || !(key in fields)) continue;
    writeField(form, container, fields[key]);
  }
  for (const [item, answer] of Object.entries(fields.answers || {})) {
    const radio = form.querySelector(`input[type="radio"][name="risk-answer-${CSS.escape(item)}"][value="${CSS.escape(String(answer))}"]`);
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
}

// After the correction is saved the form is a fresh one again.
function forgetCorrection(form) {
  const revises = form.elements.namedItem("revises");
  if (revises) revises.remove();
  delete form.dataset.replaces;
  const note = document.getElementById("capture-correcting");
  if (note) note.hidden = true;
  if (window.location.search) window.history.replaceState(null, "", window.location.pathname);
}

function init(root) {
  const form = (root || document).querySelector("form[data-capture]");
  if (!form || form.dataset.ready) return;
  form.dataset.ready = "1";
  applyAddress(form);
  fillHearings(form);
  applyPrefill(form);
  // The risk form's own script, only where it is needed (boosted links run no head scripts).
  if (form.querySelector("[data-risk-instrument]")) import("./risk-form.js");
  setDefaults(form);
  const caseInput = form.elements.namedItem("case");
  if (caseInput) caseInput.addEventListener("change", () => fillHearings(form));
  applyRequiredWhen(form);
  form.addEventListener("change", () => applyRequiredWhen(form));
  sealingKey(); // fetch and keep the key while online
  renderStatus(form);
}

document.addEventListener("submit", onSubmit);
document.addEventListener("input", onSearch);
// Enter in the search box picks, it does not save the form.
document.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && event.target.closest && event.target.closest("[data-case-search]")) event.preventDefault();
});
document.addEventListener("DOMContentLoaded", () => init(document));
document.addEventListener("htmx:load", (event) => init(event.target));
if (document.readyState !== "loading") init(document);
document.addEventListener("alongside:synced", () => {
  const form = document.querySelector("form[data-capture]");
  if (form) renderStatus(form);
});
