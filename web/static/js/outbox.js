// The outbox on every page of a field worker: sends what is waiting when the app starts, when
// the connection comes back, through Background Sync where the browser has it, and again
// with backoff after a failure; keeps the header badge true; guards logout so that no unsent
// entry is wiped without the user saying so.
import * as db from "./outbox-db.js";
import { counts, refreshStatuses, requestBackgroundSync, sealingKey, syncNow } from "./sync.js";

// Seconds between retries after a failed send (a server that is down, one bar of signal).
const BACKOFF = [5, 15, 45, 120, 300];
let attempt = 0;
let retryTimer = null;

function announce(name, detail) {
  document.dispatchEvent(new CustomEvent(name, { detail }));
}

export async function updateBadge() {
  const badge = document.getElementById("outbox-badge");
  if (!badge) return;
  const { waiting, failed, returned } = await counts();
  const count = badge.querySelector(".count");
  const attention = waiting + failed + returned;
  badge.hidden = attention === 0;
  badge.classList.toggle("alert", failed + returned > 0);
  if (count) count.textContent = String(attention);
  badge.title = [
    waiting ? `${badge.dataset.msgWaiting} ${waiting}` : "",
    failed ? `${badge.dataset.msgFailed} ${failed}` : "",
    returned ? `${badge.dataset.msgReturned} ${returned}` : "",
  ].filter(Boolean).join(" · ");
  badge.setAttribute("aria-label", badge.title);
}

function askForPages(force) {
  const worker = navigator.serviceWorker && navigator.serviceWorker.controller;
  if (worker) worker.postMessage({ type: "refresh-pages", session: document.body.dataset.session || "", force: !!force });
}

async function markOfflineReady() {
  if (!("caches" in window)) return;
  const ready = Boolean(await caches.match("/capture"));
  document.documentElement.dataset.offlineReady = ready ? "yes" : "no";
  announce("alongside:offline-ready", { ready });
}

// Send now; after a failure, try again later, waiting longer each time.
export async function sendOutbox() {
  clearTimeout(retryTimer);
  retryTimer = null;
  const summary = await syncNow();
  if (summary.error && !summary.revoked && summary.waiting) {
    const delay = BACKOFF[Math.min(attempt, BACKOFF.length - 1)];
    attempt += 1;
    summary.retry_in = delay;
    retryTimer = setTimeout(sendOutbox, delay * 1000);
    await db.saveSetting("last_sync", { ...((await db.setting("last_sync")) || {}), retry_in: delay });
  } else if (!summary.error) {
    attempt = 0;
  }
  if (summary.sent) askForPages(true); // a new case's code belongs in the offline forms
  await refreshStatuses();
  await updateBadge();
  announce("alongside:synced", summary);
  return summary;
}

// After a save: send at once, and let the browser finish the job if the page is closed.
export async function afterSave() {
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  await updateBadge();
  const summary = await sendOutbox();
  // Not everything went: let the browser finish the job even if the page is closed (asked
  // only now, so that the page and the worker do not send the same batch at once).
  if (summary.waiting) await requestBackgroundSync();
  return summary;
}

async function wipePhone() {
  if ("caches" in window) {
    for (const name of await caches.keys()) {
      if (name.startsWith("alongside-")) await caches.delete(name);
    }
  }
  await db.destroy();
}

async function revokeThisDevice() {
  const device = await db.setting("device");
  if (!device || !device.id) return;
  try {
    await fetch("/api/v1/devices/" + encodeURIComponent(device.id), {
      method: "DELETE",
      credentials: "same-origin",
      headers: { "X-CSRFToken": window.alongsideCsrfToken ? window.alongsideCsrfToken() : "" },
    });
  } catch (error) {
    // Offline: the token is deleted from the phone with the rest; it can be revoked later.
  }
}

async function onLogout(event) {
  const form = event.target.closest("form.logout-form");
  if (!form || form.dataset.checked) return;
  event.preventDefault();
  let outbox = await counts();
  if (outbox.waiting) {
    await sendOutbox();
    outbox = await counts();
  }
  const unsent = outbox.waiting + outbox.failed;
  if (unsent && !window.confirm(form.dataset.msgUnsent.replace("{n}", String(unsent)))) return;
  await revokeThisDevice();
  await wipePhone();
  // Only now may the server clear the site's storage too (see the /logout handler).
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "outbox";
  field.value = "empty";
  form.appendChild(field);
  form.dataset.checked = "1";
  form.submit();
}

// On the devices page, say which of the listed devices is this one.
async function markThisDevice() {
  const device = await db.setting("device");
  if (!device || !device.id) return;
  for (const row of document.querySelectorAll("[data-device-id]")) {
    const label = row.querySelector(".this-device");
    if (label) label.hidden = row.dataset.deviceId !== device.id;
  }
}

function start() {
  document.addEventListener("htmx:load", markThisDevice);
  markThisDevice();
  document.addEventListener("submit", onLogout);
  window.addEventListener("online", () => sendOutbox());
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      const data = event.data || {};
      if (data.type === "synced") {
        updateBadge();
        announce("alongside:synced", data.summary || {});
      }
      if (data.type === "pages-ready") markOfflineReady();
    });
    navigator.serviceWorker.ready.then(() => {
      askForPages(false);
      markOfflineReady();
    });
  }
  updateBadge();
  // Every online start keeps the current sealing key: the first save may come offline.
  sealingKey();
  sendOutbox();
}

start();
