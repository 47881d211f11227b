// Sending the outbox: device registration, batches, and what each result means.
// An envelope leaves the outbox only when the server answered `stored` or `duplicate`.
import * as db from "./outbox-db.js";

const MAX_BATCH = 100;
const MAX_BYTES = 2 * 1024 * 1024 - 4096;
let running = null;

function csrfToken() {
  return window.alongsideCsrfToken ? window.alongsideCsrfToken() : "";
}

export async function sealingKey() {
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

export async function deviceToken() {
  const known = await db.setting("device");
  const user = document.body.dataset.user || "";
  // A token belongs to the user who registered it; another user on this phone gets their own.
  if (known && known.token && (!user || known.user === user)) return known.token;
  const name = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "phone";
  const response = await fetch("/api/v1/devices", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify({ name: `${name} · ${new Date().toISOString().slice(0, 10)}` }),
  });
  if (!response.ok) throw new Error("device registration failed: " + response.status);
  const device = await response.json();
  await db.saveSetting("device", { id: device.device_id, token: device.token, user });
  return device.token;
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

async function sendBatch(token, items) {
  const response = await fetch("/api/v1/sync", {
    method: "POST",
    credentials: "omit",
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
    body: JSON.stringify({ entries: items.map((item) => item.envelope) }),
  });
  if (response.status === 401) {
    await db.saveSetting("device_revoked", true);
    throw Object.assign(new Error("device token refused"), { revoked: true });
  }
  if (!response.ok) throw new Error("sync failed: " + response.status);
  const body = await response.json();
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const result = body.results[i] || {};
    if (result.status === "stored" || result.status === "duplicate") {
      await db.put("sent", { id: item.id, type: item.type, case: result.case_code || item.case, saved_at: item.saved_at, sent_at: new Date().toISOString() });
      await db.remove("outbox", item.id);
    } else {
      item.state = result.status === "conflict" ? "conflict" : "rejected";
      item.error = result.error ? result.error.message : result.status;
      await db.put("outbox", item);
    }
  }
}

// Send everything waiting; one run at a time. Resolves to a summary, never rejects.
export function syncNow() {
  if (running) return running;
  running = (async () => {
    const waiting = (await db.all("outbox")).filter((item) => item.state === "waiting");
    if (!waiting.length) return { sent: 0, waiting: 0 };
    if (!navigator.onLine) return { sent: 0, waiting: waiting.length, offline: true };
    let token;
    try {
      token = await deviceToken();
    } catch (error) {
      return { sent: 0, waiting: waiting.length, error: String(error) };
    }
    let sent = 0;
    try {
      for (const batch of batches(waiting)) {
        await sendBatch(token, batch);
        sent += batch.length;
      }
    } catch (error) {
      return { sent, waiting: waiting.length - sent, error: String(error), revoked: !!error.revoked };
    }
    return { sent, waiting: 0 };
  })().finally(() => { running = null; });
  return running;
}

export async function queueEnvelope(envelope, meta) {
  const item = { id: envelope.id, envelope, type: meta.type, case: meta.case || "", saved_at: new Date().toISOString(), state: "waiting", error: "" };
  await db.put("outbox", item);
  if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  return item;
}
