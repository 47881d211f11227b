// Sending the outbox: device registration, batches, what each result means, and the
// approval status of what was sent. Runs in pages and in the service worker (Background
// Sync), so it touches neither `document` nor `window` unless they exist.
// An envelope leaves the outbox only when the server answered `stored` or `duplicate`.
import * as db from "./outbox-db.js";

export const SYNC_TAG = "alongside-outbox";
// The codes of a `rejected` result that mean "the server failed, not the entry": only these
// are sent again. Every other refusal is permanent and stays in the outbox as failed.
const SERVER_FAULTS = new Set(["server_error", "busy"]);
const MAX_BATCH = 100;
const MAX_BYTES = 2 * 1024 * 1024 - 4096;
const STATUS_BATCH = 100;
// Sent entries are remembered (ids and status only) so the phone can say "approved" or
// "returned"; approved ones are forgotten after this long.
const KEEP_APPROVED_MS = 30 * 24 * 3600 * 1000;
let running = null;

const inPage = typeof document !== "undefined";

function csrfToken() {
  return inPage && window.alongsideCsrfToken ? window.alongsideCsrfToken() : "";
}

function currentUser() {
  return inPage ? document.body.dataset.user || "" : "";
}

function online() {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

let fetchedKey = null;

// The current sealing key: asked of the server once per page while online (kept for offline
// use), else the one kept from the last online visit.
export function sealingKey() {
  if (!online()) return db.setting("sealing_key");
  if (!fetchedKey) fetchedKey = fetchSealingKey().finally(() => setTimeout(() => { fetchedKey = null; }, 60_000));
  return fetchedKey;
}

async function fetchSealingKey() {
  try {
    const response = await fetch("/api/v1/sealing-key", { credentials: "same-origin", cache: "no-store" });
    if (response.ok) {
      const key = await response.json();
      await db.saveSetting("sealing_key", key);
      return key;
    }
  } catch (error) {
    // Offline: the key saved on the last online visit will do.
  }
  return db.setting("sealing_key");
}

async function registerDevice() {
  const user = currentUser();
  const platform = (typeof navigator !== "undefined" && ((navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform)) || "phone";
  const response = await fetch("/api/v1/devices", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ name: `${platform} · ${new Date().toISOString().slice(0, 10)}` }),
  });
  if (!response.ok) throw new Error("device registration failed: " + response.status);
  const device = await response.json();
  await db.saveSetting("device", { id: device.device_id, token: device.token, user });
  await db.saveSetting("device_revoked", null);
  return device.token;
}

export async function deviceToken() {
  const known = await db.setting("device");
  const user = currentUser();
  // A revoked phone is not silently reconnected: its user decides (see reconnectDevice).
  if (await db.setting("device_revoked")) throw Object.assign(new Error("device revoked"), { revoked: true });
  // A token belongs to the user who registered it; another user on this phone gets their own.
  if (known && known.token && (!user || known.user === user)) return known.token;
  // Registering needs a logged-in page; the service worker only uses a token it has.
  if (!inPage || !user) throw new Error("no device token yet");
  return registerDevice();
}

// After "this phone was revoked": the signed-in user connects it again, and the entries
// still in the outbox go out under the new token.
export async function reconnectDevice() {
  await db.saveSetting("device_revoked", null);
  await db.saveSetting("device", null);
  return registerDevice();
}

function batches(items) {
  const result = [];
  let current = [];
  let size = 20;
  for (const item of items) {
    const bytes = JSON.stringify(item.envelope).length + 1;
    if (current.length && (current.length >= MAX_BATCH || size + bytes > MAX_BYTES)) {
      result.push(current);
      current = [];
      size = 20;
    }
    current.push(item);
    size += bytes;
  }
  if (current.length) result.push(current);
  return result;
}

// Oldest first: a case's intake goes before the visits about it, a correction after what
// it corrects (IndexedDB hands the outbox back in id order, which is random).
function bySavedAt(a, b) {
  return a.saved_at < b.saved_at ? -1 : a.saved_at > b.saved_at ? 1 : 0;
}

// `waitingCases`: the cases whose intake got a server fault in this run; their later entries
// would only be answered "waiting for the intake", so they stay for the next run.
async function sendBatch(token, items, waitingCases) {
  const response = await fetch("/api/v1/sync", {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
    body: JSON.stringify({ entries: items.map((item) => item.envelope) }),
  });
  if (response.status === 401) {
    await db.saveSetting("device_revoked", { at: new Date().toISOString() });
    throw Object.assign(new Error("device token refused"), { revoked: true });
  }
  if (!response.ok) throw Object.assign(new Error("sync failed: " + response.status), { status: response.status });
  const body = await response.json();
  let serverFaults = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const result = body.results[i] || {};
    if (result.status === "rejected" && result.error && SERVER_FAULTS.has(result.error.code)) {
      // The server's own fault: the entry stays waiting and goes out again later.
      serverFaults += 1;
      if (item.opens_case) waitingCases.add(item.opens_case);
      // Older outboxes do not know which case an intake opens; the server says so.
      if (result.reason === "case_intake_waiting" && item.case) waitingCases.add(item.case);
    } else if (result.status === "stored" || result.status === "duplicate") {
      await db.put("sent", {
        id: item.id, type: item.type, case: item.case, saved_at: item.saved_at,
        sent_at: new Date().toISOString(), status: "submitted",
      });
      await db.remove("outbox", item.id);
    } else {
      item.state = result.status === "conflict" ? "conflict" : "rejected";
      item.error = result.error ? result.error.message : result.status || "";
      item.error_code = result.error ? result.error.code : result.status || "";
      await db.put("outbox", item);
    }
  }
  return serverFaults;
}

async function remember(summary) {
  await db.saveSetting("last_sync", { at: new Date().toISOString(), ...summary });
  return summary;
}

// Send everything waiting; one run at a time. Resolves to a summary, never rejects:
// {sent, waiting, failed, offline?, error?, revoked?}.
export function syncNow() {
  if (running) return running;
  running = (async () => {
    const outbox = await db.all("outbox");
    const waiting = outbox.filter((item) => item.state === "waiting");
    const failed = outbox.length - waiting.length;
    if (!waiting.length) return { sent: 0, waiting: 0, failed };
    if (!online()) return { sent: 0, waiting: waiting.length, failed, offline: true };
    let token;
    try {
      token = await deviceToken();
    } catch (error) {
      return remember({ sent: 0, waiting: waiting.length, failed, error: String(error.message || error), revoked: !!error.revoked });
    }
    let sent = 0;
    let faults = 0;
    const waitingCases = new Set();
    try {
      for (const batch of batches(waiting.sort(bySavedAt))) {
        const ready = batch.filter((item) => !waitingCases.has(item.case));
        if (!ready.length) continue;
        faults += await sendBatch(token, ready, waitingCases);
        sent += ready.length;
      }
    } catch (error) {
      return remember({ sent, waiting: waiting.length - sent + faults, failed, error: String(error.message || error), revoked: !!error.revoked });
    }
    const after = await db.all("outbox");
    const still = after.filter((item) => item.state === "waiting").length;
    const summary = { sent: sent - faults, waiting: still, failed: after.length - still };
    // Entries the server could not store because of its own fault: the caller tries again
    // later, waiting longer each time, as after a network failure.
    if (faults) summary.error = "server_error";
    return remember(summary);
  })().finally(() => { running = null; });
  return running;
}

export async function queueEnvelope(envelope, meta) {
  const item = { id: envelope.id, envelope, type: meta.type, case: meta.case || "", saved_at: new Date().toISOString(), state: "waiting", error: "" };
  // An intake: the id of the case it opens (not shown; the case has no code yet).
  if (meta.opens_case) item.opens_case = meta.opens_case;
  await db.put("outbox", item);
  // Entered again after the server refused it: the refused envelope goes.
  if (meta.replaces) await db.remove("outbox", meta.replaces);
  // A correction of a returned entry: the returned one is dealt with.
  if (meta.revises) {
    const returned = await db.get("sent", meta.revises);
    if (returned) await db.put("sent", { ...returned, status: "corrected" });
  }
  return item;
}

// Ask the browser to send the outbox even if the page is closed (Chromium's Background
// Sync). False where the browser cannot: the app then sends on every start.
export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (!registration.sync) return false;
    await registration.sync.register(SYNC_TAG);
    return true;
  } catch (error) {
    return false;
  }
}

export function discard(id) {
  return db.remove("outbox", id);
}

// Ask the server what became of what this phone sent: submitted, approved or returned.
export async function refreshStatuses() {
  if (!online()) return false;
  const known = await db.setting("device");
  if (!known || !known.token || (await db.setting("device_revoked"))) return false;
  const now = Date.now();
  const sent = await db.all("sent");
  for (const item of sent) {
    if (item.status === "approved" && item.checked_at && now - Date.parse(item.checked_at) > KEEP_APPROVED_MS) {
      await db.remove("sent", item.id);
    }
  }
  // A decision is final for a version: only what still waits for one is asked about.
  const open = sent.filter((item) => !item.status || item.status === "submitted");
  for (let i = 0; i < open.length; i += STATUS_BATCH) {
    const chunk = open.slice(i, i + STATUS_BATCH);
    let answer;
    try {
      const response = await fetch("/api/v1/entries/status?ids=" + chunk.map((item) => item.id).join(","), {
        credentials: "omit",
        headers: { Authorization: "Bearer " + known.token },
        cache: "no-store",
      });
      if (!response.ok) return false;
      answer = await response.json();
    } catch (error) {
      return false;
    }
    for (const item of chunk) {
      const status = answer[item.id];
      if (!status) continue;
      await db.put("sent", { ...item, status, checked_at: new Date().toISOString() });
    }
  }
  return true;
}

// What the badge and the outbox page count.
export async function counts() {
  const [outbox, sent] = await Promise.all([db.all("outbox"), db.all("sent")]);
  return {
    waiting: outbox.filter((item) => item.state === "waiting").length,
    failed: outbox.filter((item) => item.state !== "waiting").length,
    returned: sent.filter((item) => item.status === "returned").length,
  };
}
